package core

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRunIDIsVersion4(t *testing.T) {
	seen := make(map[RunID]bool)
	for range 1000 {
		r := NewRunID()
		assert.Equal(t, byte(0x40), r[6]&0xf0, "version nibble of %s", r)
		assert.Equal(t, byte(0x80), r[8]&0xc0, "RFC 4122 variant bits of %s", r)
		u := uuid.UUID(r)
		assert.Equal(t, uuid.Version(4), u.Version())
		assert.Equal(t, uuid.RFC4122, u.Variant())
		assert.False(t, seen[r], "duplicate run id %s", r)
		seen[r] = true
	}
}

func TestNewRunIDConcurrent(t *testing.T) {
	const workers, each = 8, 200
	out := make(chan RunID, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				out <- NewRunID()
			}
		}()
	}
	wg.Wait()
	close(out)
	seen := make(map[RunID]bool)
	for r := range out {
		require.False(t, seen[r])
		seen[r] = true
	}
	assert.Len(t, seen, workers*each)
}

func TestRunIDString(t *testing.T) {
	var zero RunID
	assert.Equal(t, "00000000-0000-0000-0000-000000000000", zero.String())

	r := RunID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	assert.Equal(t, "01234567-89ab-cdef-fedc-ba9876543210", r.String())

	s := NewRunID().String()
	assert.Len(t, s, 36)
	assert.Equal(t, strings.ToLower(s), s)
}

func TestParseRunIDRoundTrip(t *testing.T) {
	for range 100 {
		r := NewRunID()
		got, err := ParseRunID(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
	var zero RunID
	got, err := ParseRunID(zero.String())
	require.NoError(t, err)
	assert.Equal(t, zero, got)

	max := RunID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	got, err = ParseRunID(max.String())
	require.NoError(t, err)
	assert.Equal(t, max, got)

	// Either case of hex digit is accepted.
	got, err = ParseRunID("01234567-89AB-CDEF-FEDC-BA9876543210")
	require.NoError(t, err)
	assert.Equal(t, "01234567-89ab-cdef-fedc-ba9876543210", got.String())
}

func TestParseRunIDRejects(t *testing.T) {
	good := "01234567-89ab-cdef-fedc-ba9876543210"
	bad := []string{
		"",
		"0",
		good[:35],
		good + "0",
		"0123456789abcdeffedcba9876543210",       // 32 hex digits, no hyphens
		"{01234567-89ab-cdef-fedc-ba9876543210}", // braces
		"urn:uuid:01234567-89ab-cdef-fedc-ba9876543210", // URN
		"01234567-89ab-cdef-fedc-ba987654321g",          // not hex
		"01234567+89ab-cdef-fedc-ba9876543210",          // bad separator
		"0123456789ab-cdef-fedc-ba98765432-10",          // hyphens in the wrong places
		"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
		"01234567-89ab-cdef-fedc-ba98765432\x00\x00",
		strings.Repeat("-", 36),
		strings.Repeat("\xff", 36),
	}
	for _, s := range bad {
		r, err := ParseRunID(s)
		require.Error(t, err, "%q", s)
		assert.True(t, errors.Is(err, ErrInvalidKey), "%q: %v", s, err)
		assert.ErrorIs(t, err, ErrInvalidKey)
		assert.Equal(t, RunID{}, r, "%q", s)
	}
}
