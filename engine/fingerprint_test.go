package engine

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"testing"
)

// referenceRowHash is rowHash as the journal's first SQLite jobs computed
// it, with hash/fnv: every journal since holds its sums, so rowHash must
// keep giving the same values for undo to tell an edited row.
func referenceRowHash(args []driver.Value) int64 {
	h := fnv.New64a()
	var buf [9]byte
	for _, a := range args {
		switch v := a.(type) {
		case nil:
			h.Write([]byte{0})
		case int64:
			buf[0] = 1
			binary.LittleEndian.PutUint64(buf[1:], uint64(v))
			h.Write(buf[:])
		case float64:
			buf[0] = 2
			binary.LittleEndian.PutUint64(buf[1:], math.Float64bits(v))
			h.Write(buf[:])
		case string:
			buf[0] = 3
			binary.LittleEndian.PutUint64(buf[1:], uint64(len(v)))
			h.Write(buf[:])
			h.Write([]byte(v))
		case []byte:
			buf[0] = 4
			binary.LittleEndian.PutUint64(buf[1:], uint64(len(v)))
			h.Write(buf[:])
			h.Write(v)
		default:
			fmt.Fprintf(h, "\x05%T:%v;", v, v)
		}
	}
	return int64(h.Sum64() & math.MaxUint32)
}

func TestRowHashKeepsItsValues(t *testing.T) {
	rows := [][]driver.Value{
		{},
		{nil},
		{int64(0)},
		{int64(-1), int64(math.MaxInt64), int64(math.MinInt64)},
		{float64(2.5), math.Inf(-1), math.NaN(), float64(-0.0)},
		{"", "a", "Zoë ✓ 受付", "a,b;'c'"},
		{[]byte{}, []byte{0, 0xff, 7}},
		{int64(7), nil, "2026-12-02 10:00:00", float64(3), []byte("x")},
		{"1"}, {int64(1)}, {float64(1)}, {[]byte("1")}, // one value, four types
		{true},
	}
	seen := map[int64]int{}
	for i, row := range rows {
		got, err := rowHash(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceRowHash(row); got != want {
			t.Errorf("row %d %v: rowHash %d, the journal's hash %d", i, row, got, want)
		}
		if j, ok := seen[got.(int64)]; ok {
			t.Errorf("rows %d and %d hash alike (%d)", j, i, got)
		}
		seen[got.(int64)] = i
	}
	// Pinned, so that the reference cannot drift with rowHash.
	if got, _ := rowHash(nil, []driver.Value{int64(42), "contact", nil}); got != int64(pinnedRowHash) {
		t.Errorf("rowHash(42, \"contact\", NULL) = %d, journals hold %d", got, pinnedRowHash)
	}
}

// TestRowHashInSQLite calls the function through SQLite, whose text and
// blob arguments reach it as views of SQLite's own memory.
func TestRowHashInSQLite(t *testing.T) {
	db := MustOpenEmptyDB(t, "sqlite")
	var got []int64
	err := db.SQL().Select(&got, `SELECT handover_row_hash(v, 'tail') FROM (SELECT 'first' AS v UNION ALL SELECT x'00ff' UNION ALL SELECT 12 UNION ALL SELECT 1.5 UNION ALL SELECT NULL) ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{}
	for _, v := range []driver.Value{"first", []byte{0, 0xff}, int64(12), float64(1.5), nil} {
		want[referenceRowHash([]driver.Value{v, "tail"})] = true
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("SQLite's handover_row_hash gave %d, not one of %v", g, want)
		}
		delete(want, g)
	}
	if len(got) != 5 || len(want) != 0 {
		t.Errorf("got %v, missing %v", got, want)
	}
}

// pinnedRowHash is what the journal's first SQLite jobs computed for
// (42, "contact", NULL).
const pinnedRowHash = 2699798028

// BenchmarkRowHashSQLite is the fingerprint as a journal statement pays for
// it: SQLite calls handover_row_hash for each of 100,000 rows of six
// columns, against reading the same rows without it.
//
//	go test ./engine -run '^$' -bench RowHashSQLite -benchmem
func BenchmarkRowHashSQLite(b *testing.B) {
	db := MustOpenEmptyDB(b, "sqlite")
	for _, q := range []string{
		`CREATE TABLE r (id INTEGER PRIMARY KEY, tenant_id INTEGER, channel TEXT, started_at TEXT, duration_seconds INTEGER, recording_uri TEXT)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO r SELECT i, 1, 'voice', '2026-11-' || (10 + i % 20) || ' 09:30:00', i % 900, 'https://recordings.example/' || hex(randomblob(12)) FROM n`,
	} {
		if _, err := db.SQL().Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct{ name, expr string }{
		{"read", `length(tenant_id) + length(channel) + length(started_at) + length(duration_seconds) + length(recording_uri)`},
		{"hash", `handover_row_hash(id, tenant_id, channel, started_at, duration_seconds, recording_uri)`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				var sum int64
				if err := db.SQL().QueryRow(`SELECT sum(` + bc.expr + `) FROM r`).Scan(&sum); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/row")
		})
	}
}
