package engine_test

// BenchmarkHandoverRealistic measures the engine at the size of a real
// tenant, as `handover demo --data-only --users 25000` builds it (every user
// owning about 30 rows, none heavy), handing 200, 2,000 and 10,000 random
// active agents' data to as many others: engine against the set-based
// baseline, plain, journaled and guarded (see baselineKind), on identical
// copies in the same run, then the undo of the engine's job. Best of three on
// both backends:
//
//	HANDOVER_TEST_PG=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	go test ./engine -run '^$' -bench HandoverRealistic -benchtime 3x -timeout 120m
//
// HANDOVER_BENCH_USERS sets the tenant's size and HANDOVER_BENCH_PAIRS the
// pair counts (comma-separated). Beside the times it reports the
// statements the engine's execution sent per chunk and the round trips
// they take on lib/pq (two for a statement with parameters, one without;
// BEGIN and COMMIT are not counted).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"handover"
	. "handover/engine"
	"handover/sample"
)

func BenchmarkHandoverRealistic(b *testing.B) {
	for _, backend := range Backends(b) {
		w := mustBuild(b, backend, sample.Options{Users: benchEnvInts(b, "HANDOVER_BENCH_USERS", "25000")[0]})
		for _, n := range benchEnvInts(b, "HANDOVER_BENCH_PAIRS", "200,2000,10000") {
			pairs := agentPairs(b, w.info, n)
			b.Run(fmt.Sprintf("%s/pairs=%d", backend, len(pairs)), func(b *testing.B) {
				var best handoverRun
				for range b.N {
					best = best.keepBest(benchHandoverOnce(b, w, pairs))
				}
				best.report(b)
				reportStatements(b, w, pairs)
			})
		}
	}
}

// benchEnvInts reads a comma-separated list of positive whole numbers from
// the variable name, def when it is unset.
func benchEnvInts(b *testing.B, name, def string) []int {
	s := os.Getenv(name)
	if s == "" {
		s = def
	}
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want positive whole numbers separated by commas", name, s)
		}
		ns = append(ns, n)
	}
	return ns
}

// agentPairs picks n random active agents of the main tenant as sources
// and n others as their targets, the same ones every run (fewer, logged,
// when the tenant has not 2n active agents).
func agentPairs(b *testing.B, info sample.Info, n int) []handover.Pair {
	agents := append([]int64(nil), info.ActiveAgents...)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(agents), func(i, j int) { agents[i], agents[j] = agents[j], agents[i] })
	if 2*n > len(agents) {
		b.Logf("%d pairs wanted but the tenant has %d active agents: %d pairs", n, len(agents), len(agents)/2)
		n = len(agents) / 2
	}
	pairs := make([]handover.Pair, n)
	for i := range pairs {
		pairs[i] = handover.Pair{From: agents[i], To: agents[n+i]}
	}
	return pairs
}

// reportStatements runs pairs once more, untimed, on a copy of w through a
// connection that counts statements, and reports those of the execution
// per chunk.
func reportStatements(b *testing.B, w benchW, pairs []handover.Pair) {
	b.StopTimer()
	defer b.StartTimer()
	ctx := context.Background()
	db, counts := MustStatementCounter(b, mustOpen(b, MustCopyDB(b, w.backend, w.dsn)))
	plan := benchPlan(b, db, w.info, pairs)
	if err := db.Predict(ctx, plan); err != nil {
		b.Fatal(err)
	}
	g, err := db.LockTenant(ctx, plan.Operator, "run")
	if err != nil {
		b.Fatal(err)
	}
	defer g.Release()
	job, err := db.CreateJob(ctx, plan, handover.RunOptions{})
	if err != nil {
		b.Fatal(err)
	}
	chunks := float64(Chunks(b, db, job))
	stmts, withArgs := counts.Statements.Load(), counts.WithArgs.Load()
	if _, err := db.Execute(ctx, g, job, nil); err != nil {
		b.Fatal(err)
	}
	stmts, withArgs = counts.Statements.Load()-stmts, counts.WithArgs.Load()-withArgs
	b.ReportMetric(chunks, "chunks")
	b.ReportMetric(float64(stmts)/chunks, "stmts/chunk")
	if w.backend == "postgres" { // SQLite runs in the process: no round trips
		b.ReportMetric(float64(stmts+withArgs)/chunks, "trips/chunk")
	}
}
