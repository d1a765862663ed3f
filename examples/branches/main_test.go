package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

const want = `memory at version 4: 4 keys

plan "plane": what it changed since version 4
  set     cost             180
  set     fact/airport     check-in closes 40 minutes before
  set     plan             plane
  deleted scratch/weather  rain in Porto
  set     steps            ["taxi to the airport" "fly Lisbon to Porto" "metro to the hotel"]
  score -30

plan "train": what it changed since version 4
  set     cost             62
  set     fact/station     trains leave every hour
  set     plan             train
  deleted scratch/weather  rain in Porto
  set     steps            ["walk to Santa Apolonia" "Alfa Pendular to Porto Campanha" "walk to the hotel"]
  score 88

merged plan "train" at version 6; the memory now holds:
  budget           150
  cost             62
  fact/station     trains leave every hour
  goal             Lisbon to Porto on Friday
  plan             train
  steps            ["walk to Santa Apolonia" "Alfa Pendular to Porto Campanha" "walk to the hotel"]
  traveller/seat   window
`

// TestRun checks the whole output: each fork's diff against the memory it
// started from (its own changes only, in key order), the scores, and the
// memory after the merge (the better plan's changes and the user's new fact,
// the losing plan's nowhere).
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	require.Equal(t, want, out.String())
}
