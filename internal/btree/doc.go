// Package btree is a persistent (immutable, structurally shared) B+tree from string keys in
// bytewise order to values of any type, with transient batch edits.
//
// A [Map] never changes once published and may be read by any number of goroutines at once.
// An [Edit] is a transient on top of a Map: the first time it touches a node shared with a
// published Map it copies it and stamps the copy with its owner id; later changes to that node
// happen in place. [Edit.Map] publishes the current contents and gives the edit a fresh owner
// id, so no later change can reach a node of a published Map.
//
// Layout: a leaf keeps all its keys in one byte block addressed by uint32 offsets (one
// allocation, no pointer per key, no pointer chase per comparison) and its values inline in a
// fixed array of V. Inner nodes keep separator strings and child pointers. Every non-root node
// is at least half full and all leaves are at the same depth.
package btree
