//go:build !amd64 || purego

package hnsw

import "unsafe"

func dotInt8(a, b []int8) int32 { return dotInt8Generic(a, b) }

func prefetch(unsafe.Pointer) {}
