package indices

import "unsafe"

// bytesView returns a string sharing b's bytes, for lookups that do not keep
// the string: it saves the copy string(b) would make. The caller must not
// modify b while the string is in use.
func bytesView(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
