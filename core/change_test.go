package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestChangeOpString(t *testing.T) {
	assert.Equal(t, "put", ChangePut.String())
	assert.Equal(t, "delete", ChangeDelete.String())
	assert.Equal(t, "expire", ChangeExpire.String())
	assert.Equal(t, "op(0)", ChangeOp(0).String())
	assert.Equal(t, "op(4)", ChangeOp(4).String())
}
