package main

// Temporary: keeps every dependency in go.mod while the packages that use
// them are being written. Removed once cmd wires them for real.
import (
	_ "github.com/gocarina/gocsv"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	_ "github.com/rs/zerolog"
	_ "golang.org/x/text/encoding/charmap"
	_ "golang.org/x/text/encoding/unicode"
	_ "modernc.org/sqlite"
)

func main() {}
