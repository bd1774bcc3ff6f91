package engine

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"hash/fnv"
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
// extra read.

func init() {
	// SQLite has no hash function; the driver calls this one per row.
	sqlite.MustRegisterDeterministicScalarFunction("handover_row_hash", -1, rowHash)
}

// rowHash hashes its arguments, each tagged with its type, with FNV-1a and
// returns the low 32 bits, so that sums of millions of rows fit in 64.
func rowHash(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
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
	return int64(h.Sum64() & math.MaxUint32), nil
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
// fingerprint over a set of rows, 0 for none.
func fingerprintSum(d dialect, t handover.DataType, alias string) string {
	return "CAST(COALESCE(sum(" + d.rowFingerprint(t, alias) + "), 0) AS BIGINT)"
}
