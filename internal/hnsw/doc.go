// Package hnsw is a persistent (immutable, structurally shared) approximate
// nearest-neighbour index over vector Values: a hierarchical navigable small
// world graph (HNSW) whose every version is a value, with transient batch
// edits, in the manner of the B+tree of package btree.
//
// A [Graph] never changes once published and may be searched by any number of
// goroutines at once, without a lock. An [Edit] is a transient on top of a
// Graph: the first time it changes a node shared with a published Graph it
// copies it and stamps the copy with its owner id; later changes to that node
// happen in place. [Edit.Publish] freezes the current contents and gives the
// edit a fresh owner id, so no later change can reach a node of a published
// Graph. A store keeps one Graph per index in each of its versions and changes
// it through the commit leader's Edit in the same commit as the data: every
// version searches exactly its own vectors.
//
// Layout. Nodes are numbered densely (uint32 ids) and held in a persistent
// 32-way trie, so an edit copies a node and the trie path above it, not the
// graph. A node holds its key (the store's encoded key), its Value (sharing
// the Value's elements: the index holds no copy of a vector), its expiry
// deadline, its level and its links, one list per level. A second map, a
// persistent B+tree from key to id, finds the node of a key and lists the
// keys under a prefix in order, which a search uses to count a narrow scope
// and to scan it exactly when that is cheaper than a walk.
//
// Removal. A removed key's node stays in the graph as a tombstone: it is
// walked through (its links keep the graph navigable) but never returned, and
// its id is reused by a later insert, which gives the slot a new vector and new
// links (the links other nodes have to the slot then lead to the new vector: a
// long-range edge, harmless to a walk). The index therefore never holds more
// nodes than the most keys it ever held at once.
//
// Filtering. A search passes a Filter (a key prefix and the moment expiry is
// judged at): nodes outside it are walked through but never enter the
// results, so a search in a narrow scope finds that scope's nearest vectors,
// not a post-filtered subset of the global ones.
package hnsw
