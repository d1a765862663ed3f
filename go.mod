module github.com/inmemdb/inmem

go 1.23

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	github.com/benbjohnson/immutable v0.4.3 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/exp v0.0.0-20220518171630-0b5c67f07fdf // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
