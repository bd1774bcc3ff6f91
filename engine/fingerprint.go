package engine

import (
	"database/sql/driver"
	"fmt"
	"math"
	"slices"
	"strings"

	"modernc.org/sqlite"

	"handover"
)

// Undo must leave alone a pair whose moved rows were edited since the run.
// Moving and deleting are seen from the journaled keys and owner counts; an
// edit is seen from a fingerprint journaled with the keys: the sum, over
// the rows a pair moved in one owner column, of a 32-bit hash of each row's
// columns other than its owner columns (which the job itself changes, and
// later jobs may). Undo recomputes it over the same rows and compares. The
// hash is computed in the statement that moves the rows, so it costs no
// extra read. A job records which hash its journal holds (its kind), so
// that a journal written by an older version is checked with the hash it
// was written with.

// fingerprintKind is the row hash a job's journal holds, recorded with the
// job (handover_jobs.fingerprint).
type fingerprintKind int

const (
	// fingerprintText hashes the row's text form: on PostgreSQL hashtext of
	// CAST(ROW(...) AS TEXT), on SQLite handover_row_hash (below), SQLite's
	// only kind. Every job recorded before kinds were is of this kind.
	fingerprintText fingerprintKind = 1
	// fingerprintRecord is PostgreSQL's hash_record(ROW(...)): each column
	// hashed by its type's own hash function, with no text to render.
	// Over the 545,706 contacts rows W moves, journaling with it took
	// 810–870 ms against 1,100–1,160 ms with hashtext and 570–650 ms with
	// no fingerprint (psql, five runs each, alternating).
	fingerprintRecord fingerprintKind = 2
)

func init() {
	// SQLite has no hash function; the driver calls this one per row.
	// rowHash keeps no argument past its return, so the driver may pass
	// text and blobs as views of SQLite's memory instead of copies
	// (VolatileArgs).
	sqlite.MustRegisterFunction("handover_row_hash", &sqlite.FunctionImpl{
		NArgs: -1, Deterministic: true, Scalar: rowHash, VolatileArgs: true,
	})
}

// rowHash hashes its arguments, each tagged with its type, with FNV-1a and
// returns the low 32 bits, so that sums of millions of rows fit in 64. The
// journal keeps these sums, so the encoding must never change: a tag byte,
// then the value (integers and floats as 8 bytes little-endian; text and
// blobs as their 8-byte length and bytes).
func rowHash(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	h := fnv1a(fnvOffset)
	for _, a := range args {
		switch v := a.(type) {
		case nil:
			h = h.byte(0)
		case int64:
			h = h.byte(1).uint64(uint64(v))
		case float64:
			h = h.byte(2).uint64(math.Float64bits(v))
		case string:
			h = fnvWrite(h.byte(3).uint64(uint64(len(v))), v)
		case []byte:
			h = fnvWrite(h.byte(4).uint64(uint64(len(v))), v)
		default:
			h = fnvWrite(h, fmt.Sprintf("\x05%T:%v;", v, v))
		}
	}
	return int64(uint64(h) & math.MaxUint32), nil
}

// fnv1a is a 64-bit FNV-1a hash state, as hash/fnv's New64a computes it,
// without its allocation and interface calls per row.
type fnv1a uint64

const (
	fnvOffset fnv1a = 14695981039346656037
	fnvPrime  fnv1a = 1099511628211
)

func (h fnv1a) byte(b byte) fnv1a { return (h ^ fnv1a(b)) * fnvPrime }

func (h fnv1a) uint64(v uint64) fnv1a {
	for range 8 {
		h, v = h.byte(byte(v)), v>>8
	}
	return h
}

// fnvWrite adds text or a blob to h, byte by byte.
func fnvWrite[T string | []byte](h fnv1a, s T) fnv1a {
	for i := 0; i < len(s); i++ {
		h = h.byte(s[i])
	}
	return h
}

// fingerprinted lists the columns of t, as alias, that a row's fingerprint
// hashes: all but the owner columns, which a handover changes.
func fingerprinted(t handover.DataType, alias string) string {
	var cols []string
	for _, c := range t.Columns {
		if !slices.Contains(t.Owners, c) {
			cols = append(cols, alias+"."+c)
		}
	}
	return strings.Join(cols, ", ")
}

// fingerprintSum returns the SQL aggregate of the dialect's row
// fingerprint of kind over a set of rows, 0 for none.
func fingerprintSum(d dialect, t handover.DataType, alias string, kind fingerprintKind) string {
	return "CAST(COALESCE(sum(" + d.rowFingerprint(t, alias, kind) + "), 0) AS BIGINT)"
}
