package core

import (
	"fmt"

	"github.com/google/uuid"
)

// RunID identifies one agent run: a random (version 4) UUID, 16 bytes. The zero
// RunID is legal and sorts first. A RunID is a value; it is safe for concurrent
// use.
type RunID [16]byte

// NewRunID returns a new random (version 4) RunID. It is safe for concurrent use.
func NewRunID() RunID {
	return RunID(uuid.New())
}

// ParseRunID parses the 36-character hyphenated form
// ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex digits of either case) that
// String prints. Any other form is an error wrapping ErrInvalidKey.
func ParseRunID(s string) (RunID, error) {
	if len(s) != 36 {
		return RunID{}, fmt.Errorf("%w: run id %q is not 36 characters", ErrInvalidKey, s)
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return RunID{}, fmt.Errorf("%w: run id %q: %v", ErrInvalidKey, s, err)
	}
	return RunID(u), nil
}

// String returns the 36-character hyphenated lower-case form of r.
func (r RunID) String() string {
	return uuid.UUID(r).String()
}
