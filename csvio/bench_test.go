package csvio

import (
	"bytes"
	"testing"
)

// BenchmarkReadSmall measures the fixed cost of one Read.
func BenchmarkReadSmall(b *testing.B) {
	data := []byte(sample)
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), "small.csv", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadExport measures streaming a 100,000-row people export with
// 2,000 pairs.
func BenchmarkReadExport(b *testing.B) {
	for b.Loop() {
		s := &rowStream{head: []byte(exportHeader), row: func(i int) []byte { return peopleRow(i, i%50 == 0) }, count: 100000}
		if _, err := Read(s, "export.csv", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
