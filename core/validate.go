package core

import (
	"fmt"
	"time"
)

// Validate reports whether k can be stored: an error wrapping ErrInvalidKey
// when its type tag is unknown, nil otherwise. Every store refuses such a
// key with this error and changes nothing. Safe for concurrent use.
func (k Key) Validate() error {
	if !k.Type.Valid() {
		return fmt.Errorf("%w: unknown type tag %d in key %s", ErrInvalidKey, uint8(k.Type), k)
	}
	return nil
}

// ValidateTTL reports whether ttl can be stored: an error wrapping
// ErrInvalidTTL when it is negative, nil otherwise (0 means no expiry).
func ValidateTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("%w: %v is negative", ErrInvalidTTL, ttl)
	}
	return nil
}
