package core

import "strconv"

// TypeTag says which primitive a key belongs to. Only the six constants below
// are valid; the store rejects any other tag with ErrInvalidKey.
type TypeTag uint8

// The primitives of agent memory, in their sort order.
const (
	TypeKV           TypeTag = iota // 0: key-value scratchpad entries
	TypeEvent                       // 1: the numbered event log
	TypeStateMachine                // 2: state-machine records
	TypeTrace                       // 3: trace spans
	TypeRunMetadata                 // 4: one record describing the run
	TypeVector                      // 5: embeddings
)

// typeCount is the number of valid type tags.
const typeCount = 6

var typeNames = [typeCount]string{"kv", "event", "state", "trace", "run", "vector"}

// String returns the tag's short name ("kv", "event", "state", "trace", "run",
// "vector"), or "type(N)" for an invalid tag.
func (t TypeTag) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the six defined tags.
func (t TypeTag) Valid() bool { return t < typeCount }
