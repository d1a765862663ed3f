package etcdstore

// ClusterEndpoints returns the endpoints of the package's test member, for
// the examples (package etcdstore_test).
func ClusterEndpoints() []string { return testEndpoints }
