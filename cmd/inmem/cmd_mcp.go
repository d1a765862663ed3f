package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/inmemdb/inmem/mvcc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"
)

func mcpCmd(e *env) *cobra.Command {
	var indexes []string
	c := &cobra.Command{
		Use:   "mcp DIR",
		Short: "Serve the store's memory to agents over the Model Context Protocol (stdio)",
		Long: `mcp opens the store in DIR (creating it when DIR is absent or empty) and
serves it over the Model Context Protocol on standard input and output, until
the client closes standard input or the process gets SIGINT or SIGTERM. The
tools: remember, recall, append_event, history, forget, list_namespaces,
search, and fork, diff and merge for named in-memory branches (docs/cli.md
describes their arguments). --vector-index keeps an
approximate nearest-neighbour index over a scope's embeddings; without one,
search compares every vector of its scope. The server holds DIR like any
application: the read-only commands work beside it.

A client configuration (Claude Desktop, VS Code, ...) runs it as
  {"command": "inmem", "args": ["mcp", "/path/to/memory"]}`,
		Args: cobra.ExactArgs(1),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			var opts []mvcc.Option
			for _, spec := range indexes {
				cfg, err := parseVectorIndex(spec)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				opts = append(opts, mvcc.WithVectorIndex(cfg))
			}
			s, err := openWrite(dir, true, opts...)
			if err != nil {
				return describe(dir, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv := newMCPServer(&memory{store: s})
			err = srv.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(e.stdin), Writer: nopWriteCloser{e.stdout}})
			if cerr := s.Close(); cerr != nil {
				return cerr
			}
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("mcp: %w", err)
			}
			return nil
		}),
	}
	c.Flags().StringArrayVar(&indexes, "vector-index", nil,
		"keep an approximate nearest-neighbour index for search: SCOPE=DIMS[:METRIC], e.g. acme=1536:cosine (repeatable)")
	return c
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
