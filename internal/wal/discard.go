package wal

// Discard drops the records appended since the last Write: the caller's
// group could not commit, and they must never reach the disk. The next
// Append carries the version after the last record written. Safe for
// concurrent use.
func (l *Log) Discard() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == stateClosed || len(l.buf) <= segmentHdrLen {
		return
	}
	l.buf = l.buf[:segmentHdrLen]
	l.nextVer = l.written + 1
}

// Err returns the log's sticky failure: the first write or sync error, after
// which it takes no writes; nil while it is healthy. Safe for concurrent use.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
