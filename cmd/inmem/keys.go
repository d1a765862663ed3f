package main

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// typeByName maps the names TypeTag.String prints to the tags.
func typeByName(name string) (core.TypeTag, bool) {
	for t := core.TypeTag(0); t.Valid(); t++ {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// typeNames lists the type names, for messages.
func typeNames() string {
	var names []string
	for t := core.TypeTag(0); t.Valid(); t++ {
		names = append(names, t.String())
	}
	return strings.Join(names, ", ")
}

// parseKey reads a key in the form Key.String prints:
// "tenant/app/agent/<run id>/<type>/<user key>". The user key of an event or
// trace key may be its sequence number in decimal; a user key in double
// quotes is a Go string literal (for bytes that are not printable). Tenant,
// app and agent names that hold "/" cannot be written this way.
func parseKey(s string) (core.Key, error) {
	parts := strings.SplitN(s, "/", 6)
	if len(parts) != 6 {
		return core.Key{}, fmt.Errorf("%w: key %q: want tenant/app/agent/<run id>/<type>/<user key>", core.ErrInvalidKey, s)
	}
	ns, err := namespaceOf(parts[:4])
	if err != nil {
		return core.Key{}, fmt.Errorf("key %q: %w", s, err)
	}
	t, ok := typeByName(parts[4])
	if !ok {
		return core.Key{}, fmt.Errorf("%w: key %q: unknown type %q (one of %s)", core.ErrInvalidKey, s, parts[4], typeNames())
	}
	uk, err := userKey(t, parts[5])
	if err != nil {
		return core.Key{}, fmt.Errorf("key %q: %w", s, err)
	}
	return core.NewKey(ns, t, uk), nil
}

// userKey reads a user key as Key.String prints it.
func userKey(t core.TypeTag, s string) ([]byte, error) {
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			return nil, fmt.Errorf("%w: user key %s is not a Go string literal", core.ErrInvalidKey, s)
		}
		return []byte(u), nil
	}
	if t == core.TypeEvent || t == core.TypeTrace {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return binary.BigEndian.AppendUint64(nil, n), nil
		}
	}
	return []byte(s), nil
}

// namespaceOf reads tenant, app, agent and run id.
func namespaceOf(p []string) (core.Namespace, error) {
	run, err := parseRun(p[3])
	if err != nil {
		return core.Namespace{}, err
	}
	return core.Namespace{Tenant: p[0], App: p[1], Agent: p[2], RunID: run}, nil
}

// parseRun reads a run id; "" is the zero run id.
func parseRun(s string) (core.RunID, error) {
	if s == "" {
		return core.RunID{}, nil
	}
	return core.ParseRunID(s)
}

// parseWithin reads a scope: "" or "*" for every key, then "tenant",
// "tenant/app", "tenant/app/agent", "tenant/app/agent/<run id>",
// ".../<run id>/<type>", ".../<type>/<user key prefix>", each optionally
// ending in "/*" or "/" as core.Prefix.String prints them.
func parseWithin(s string) (core.Prefix, error) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "*"), "/")
	if s == "" {
		return core.AllKeys(), nil
	}
	parts := strings.SplitN(s, "/", 6)
	switch len(parts) {
	case 1:
		return core.TenantPrefix(parts[0]), nil
	case 2:
		return core.AppPrefix(parts[0], parts[1]), nil
	case 3:
		return core.AgentPrefix(parts[0], parts[1], parts[2]), nil
	}
	ns, err := namespaceOf(parts[:4])
	if err != nil {
		return core.Prefix{}, fmt.Errorf("scope %q: %w", s, err)
	}
	if len(parts) == 4 {
		return core.NamespacePrefix(ns), nil
	}
	t, ok := typeByName(parts[4])
	if !ok {
		return core.Prefix{}, fmt.Errorf("%w: scope %q: unknown type %q (one of %s)", core.ErrInvalidKey, s, parts[4], typeNames())
	}
	var uk []byte
	if len(parts) == 6 {
		if uk, err = userKey(t, parts[5]); err != nil {
			return core.Prefix{}, fmt.Errorf("scope %q: %w", s, err)
		}
	}
	return core.KeyPrefix(core.NewKey(ns, t, uk)), nil
}
