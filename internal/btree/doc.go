// Package btree is a persistent (immutable, structurally shared) B+tree from string keys in
// bytewise order to values of any type, with transient batch edits.
//
// A [Map] never changes once published and may be read by any number of goroutines at once.
// An [Edit] is a transient on top of a Map: the first time it touches a node shared with a
// published Map it copies it and stamps the copy with its owner id; later changes to that node
// happen in place. [Edit.Map] publishes the current contents and gives the edit a fresh owner
// id, so no later change can reach a node of a published Map.
//
// Layout: a leaf keeps its keys in one pointer-free block (uint32 offsets, the prefix all its
// keys share once, then the rest of each key: no pointer per key, no pointer chase per
// comparison) and its values inline in a fixed array of V; an inner node keeps its separators
// in such a block (each the shortest string that splits its neighbours) and its child pointers
// in a fixed array. A probe compares the key with a block's prefix once and then only with the
// suffixes. A node copied for an edit shares its block until the edit changes a key or
// separator, so the common change, a new value or a new child pointer, copies no key byte.
// Every non-root node is at least half full and all leaves are at the same depth.
//
// Since a key is stored in two parts, a [Cursor] puts it together on request: Key returns a
// copy, AppendKey appends it to a buffer, HasPrefix and Compare read it in place.
package btree
