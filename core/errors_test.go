package core

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSentinelErrorsDistinct(t *testing.T) {
	all := []error{ErrNotFound, ErrInvalidKey, ErrInvalidTTL, ErrVersionMismatch, ErrConflict, ErrCompacted, ErrVersionExhausted, ErrTooLarge, ErrClosed, ErrTxnDone, ErrCorrupt, ErrInvalidValue}
	for i, a := range all {
		assert.NotEmpty(t, a.Error())
		wrapped := fmt.Errorf("detail: %w", a)
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
			assert.Equal(t, i == j, errors.Is(wrapped, b), "wrapped %v vs %v", a, b)
		}
	}
}
