package csvio

import (
	"io"
	"math/rand/v2"
	"strconv"
)

// rowStream is a CSV made up on the fly, so tests can read files of any size
// without holding or writing them: head, then rows produced by row(i) until
// size bytes (or count rows) have been produced, then tail.
type rowStream struct {
	head, tail []byte
	row        func(i int) []byte
	size       int64 // bytes of rows to produce; -1 for no end
	count      int   // rows to produce instead, when size is 0
	produced   int64
	i          int
	cur        []byte
	stage      int // 0 head, 1 rows, 2 tail, 3 done
}

// Read implements io.Reader.
func (s *rowStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.cur) == 0 && !s.advance() {
			break
		}
		c := copy(p[n:], s.cur)
		s.cur, n = s.cur[c:], n+c
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (s *rowStream) more() bool {
	if s.size == 0 {
		return s.i < s.count
	}
	return s.size < 0 || s.produced < s.size
}

// advance loads the next piece into cur; false at the end.
func (s *rowStream) advance() bool {
	switch {
	case s.stage == 0:
		s.cur, s.stage = s.head, 1
	case s.stage == 1 && s.more():
		s.cur = s.row(s.i)
		s.i++
		s.produced += int64(len(s.cur))
	case s.stage <= 2:
		s.cur, s.stage = s.tail, 3
	default:
		return false
	}
	return true
}

const exportHeader = "\uFEFFFrom User ID,To User ID,Name,Email,Role,Status,Team\n"

// peopleRow is an exported row, with To filled when pair is true.
func peopleRow(i int, pair bool) []byte {
	to := ""
	if pair {
		to = "1"
	}
	id := strconv.Itoa(100000 + i)
	return []byte(id + "," + to + ",Person " + id + ",p" + id + "@example.com,agent,Active,Team " + strconv.Itoa(i%40) + "\n")
}

// randomBytes is a deterministic stream of binary data.
type randomBytes struct {
	r    *rand.Rand
	left int
}

func newRandomBytes(n int) *randomBytes {
	return &randomBytes{r: rand.New(rand.NewPCG(1, 2)), left: n}
}

func (b *randomBytes) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	for i := range n {
		p[i] = byte(b.r.Uint32())
	}
	b.left -= n
	return n, nil
}
