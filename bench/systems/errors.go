package systems

import (
	"errors"

	"github.com/inmemdb/inmem/core"
)

func isNotFound(err error) bool { return errors.Is(err, core.ErrNotFound) }
