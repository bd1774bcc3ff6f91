// Command corpusgen prepares the inputs of scripts/make-corpus.sh and the
// expected results of each corpus file. LibreOffice does the conversions;
// this program only plays the admin (the edits) and the oracle (the .want.json
// files), from the seed users below, never from csvio.Read.
//
//	corpusgen seed FILE            the people export, written by csvio.PeopleWriter
//	corpusgen edit VARIANT FILE    the export as the admin edited it for VARIANT
//	corpusgen want VARIANT FILE    what reading VARIANT's corpus file must give
//	corpusgen crlf IN OUT          CRLF row ends, as Windows programs write
//	corpusgen bom IN OUT           a UTF-8 BOM in front, as Excel's "CSV UTF-8"
//	corpusgen decimal IN OUT       a .fods with ID columns formatted "0.0"
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"handover"
	"handover/csvio"
)

// seedUsers are the people of the seed export. The first names are all in
// Windows-1252, including bytes 0x80–0x9F where it differs from Latin-1; the
// last ones are Central European names that only Windows-1250 holds, and a
// name with control characters (the export shows them as ␛ and ␇).
var seedUsers = []handover.User{
	{ID: 1001, Name: "John Smith"},
	{ID: 1002, Name: "Jenny Andrews"},
	{ID: 1003, Name: "Zoë Ørsted"},
	{ID: 1004, Name: "François Müller-Lüdenscheidt"},
	{ID: 1005, Name: "Smith, Jo"},
	{ID: 1006, Name: `Jo "JJ" Ng`},
	{ID: 1007, Name: "Siobhán O'Brien"},
	{ID: 1008, Name: "=1+2"},
	{ID: 1009, Name: "+44 Support Desk"},
	{ID: 1010, Name: "-Dash"},
	{ID: 1011, Name: "@handle"},
	{ID: 1012, Name: "Multi\nLine Name"},
	{ID: 1013, Name: "Œdipe Štrba"},
	{ID: 1014, Name: "“Curly” €uro"},
	{ID: 1015, Name: "Ñúñez Ibáñez"},
	{ID: 1016, Name: "=HYPERLINK(\"http://example.com\",\"x\")"},
	{ID: 123456789012345678, Name: "Long Id Leaver"},
	{ID: 123456789012345679, Name: "Long Id Successor"},
	{ID: 1017, Name: "Łukasz Wróbel"},
	{ID: 1018, Name: "Ondřej Čapek"},
	{ID: 1019, Name: "Zsófia Kővári"},
	{ID: 1020, Name: "Eve \x1b[31mRed\x1b[0m Bell\a"},
}

// shortPairs are the handovers the admin types (From → To) in every variant;
// longPair only where IDs survive (text import) or are meant to be damaged.
var (
	shortPairs = [][2]int64{{1001, 1002}, {1003, 1004}, {1005, 1006}, {1008, 1009}, {1012, 1013}, {1014, 1015}, {1017, 1018}, {1020, 1019}}
	longPair   = [2]int64{123456789012345678, 123456789012345679}
)

// typeCells are the Data Types cells the admin types, by source: names and
// labels with every separator, curly quotes and a trailing bar, an
// exclusion (typed with the apostrophe that keeps it from being a
// formula), and "; " inside the cell, which semicolon files must quote.
var typeCells = map[int64]string{
	1001: "contacts, evaluations",
	1003: "“Schedules” | work shifts|",
	1005: "'-productivity",
	1014: "Contacts (recordings); Evaluations",
}

// splitPair is a second row of 1014, copied to the end of the sheet, that
// hands the types its first row does not choose to another successor.
var splitPair = [2]int64{1014, 1011}

const splitTypes = "schedules; Work Shifts; productivity"

// typesColumn is the index of the export's Data Types column.
const typesColumn = 7

// variant is one corpus file: how the admin edited the export and what a
// reader must make of LibreOffice's result.
type variant struct {
	long   bool                  // the long-ID pair is filled in
	edit   func(rows [][]string) // further edits after filling To
	id     func(id int64) string // how LibreOffice writes an ID back
	names  func(rows [][]string) // names a reader must return, when edited
	saved  *charmap.Charmap      // the code page LibreOffice saved in: it writes "?" for what it lacks
	format handover.Format       // the format Read must detect
	note   string                // what validation must say
	err    handover.Code         // when the file must be rejected
}

var utf8Plain = handover.Format{Delimiter: ',', Encoding: handover.UTF8}

var variants = map[string]variant{
	"utf8":        {long: true, id: asText, format: utf8Plain},
	"utf8-bom":    {long: true, id: asText, format: handover.Format{Delimiter: ',', Encoding: handover.UTF8BOM}},
	"semicolon":   {long: true, id: asText, format: handover.Format{Delimiter: ';', Encoding: handover.UTF8}},
	"unicode-tab": {long: true, id: asText, format: handover.Format{Delimiter: '\t', Encoding: handover.UTF16LE}},
	"windows-1252": {long: true, id: asText, saved: charmap.Windows1252, format: handover.Format{Delimiter: ',', Encoding: handover.Windows1252},
		note: "Central European names and the control pictures were saved as ?, which stands for what Windows-1252 lacks: no name_mismatch"},
	"crlf-1252": {long: true, id: asText, saved: charmap.Windows1252, format: handover.Format{Delimiter: ',', Encoding: handover.Windows1252, CRLF: true}},
	"windows-1250": {long: true, id: asText, saved: charmap.Windows1250, format: handover.Format{Delimiter: ',', Encoding: handover.Windows1250},
		note: "validation reads the file as Windows-1250, whose names match the directory; Ø, Œ, Ñ and the control pictures were saved as ?: no name_mismatch"},
	"leading-zeros":      {edit: padTo, id: asText, format: utf8Plain},
	"decimal-ids":        {id: func(id int64) string { return asText(id) + ".0" }, format: utf8Plain, note: "validation accepts IDs with a trailing .0"},
	"scientific":         {long: true, id: standard, format: utf8Plain, note: "validation: bad_id on the long-ID pair (1.23456789012346E+017 is spreadsheet damage: format the ID columns as Text)"},
	"trailing-columns":   {long: true, edit: addNote, id: asText, format: utf8Plain},
	"misdecoded-bom":     {long: true, id: asText, format: utf8Plain, note: "the header shows a UTF-8 BOM read as Windows-1252; names are repaired, so no name_mismatch"},
	"sorted-name":        {long: true, edit: sortNames, id: asText, names: sortNames, format: utf8Plain},
	"formulas-evaluated": {long: true, id: asText, format: utf8Plain, note: "opened with 'Evaluate formulas' on: the neutralised names were not evaluated"},
	"xlsx":               {long: true, err: handover.Unreadable},
	"ods":                {long: true, err: handover.Unreadable},
}

func asText(id int64) string { return strconv.FormatInt(id, 10) }

// standard is how LibreOffice shows an ID imported as a number with the
// Standard format: more than 15 digits become scientific notation.
func standard(id int64) string {
	s := asText(id)
	if len(s) <= 15 {
		return s
	}
	m := strconv.FormatFloat(float64(id), 'E', 14, 64) // 1.23456789012346E+17
	mant, exp, _ := strings.Cut(m, "E+")
	return fmt.Sprintf("%sE+%03s", mant, exp)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "corpusgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: corpusgen seed|edit|want|crlf|bom|decimal ARGS")
	}
	switch args[0] {
	case "seed":
		return os.WriteFile(args[1], seed(), 0o644)
	case "edit", "want":
		if len(args) != 3 {
			return fmt.Errorf("usage: corpusgen %s VARIANT FILE", args[0])
		}
		v, ok := variants[args[1]]
		if !ok {
			return fmt.Errorf("no variant %q", args[1])
		}
		if args[0] == "edit" {
			return os.WriteFile(args[2], edited(v), 0o644)
		}
		return writeWant(args[2], v)
	case "crlf", "bom", "decimal":
		if len(args) != 3 {
			return fmt.Errorf("usage: corpusgen %s IN OUT", args[0])
		}
		return transformFile(args[0], args[1], args[2])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// seed is the people export of seedUsers.
func seed() []byte {
	var b bytes.Buffer
	w := csvio.NewPeopleWriter(&b)
	for i, u := range seedUsers {
		u.Email = fmt.Sprintf("user%d@example.com", i)
		u.Role = handover.RoleAgent
		u.Active = u.ID != 1016 // one inactive user
		u.Team = []string{"Support", "Sales, EMEA", "Billing"}[i%3]
		if err := w.Write(u); err != nil {
			panic(err)
		}
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// rows parses the seed export; rows[0] is the header.
func rows() [][]string {
	r := csv.NewReader(bytes.NewReader(seed()))
	all, err := r.ReadAll()
	if err != nil {
		panic(err)
	}
	return all
}

func pairsOf(v variant) [][2]int64 {
	p := append([][2]int64(nil), shortPairs...)
	if v.long {
		p = append(p, longPair)
	}
	return p
}

// edited is the seed with To User ID filled in as the admin would, and the
// variant's further edits, as UTF-8 with BOM (the export's own format).
func edited(v variant) []byte {
	all := withTypes(rows())
	for _, p := range pairsOf(v) {
		all[lineOf(p[0])-1][1] = asText(p[1])
	}
	if v.edit != nil {
		v.edit(all)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(all); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// withTypes types the Data Types cells and adds the split row at the end.
func withTypes(all [][]string) [][]string {
	for id, cell := range typeCells {
		all[lineOf(id)-1][typesColumn] = cell
	}
	split := append([]string(nil), all[lineOf(splitPair[0])-1]...)
	split[1], split[typesColumn] = asText(splitPair[1]), splitTypes
	return append(all, split)
}

// splitLine is the spreadsheet row of the split row.
func splitLine() int { return len(seedUsers) + 2 }

// lineOf returns the spreadsheet row of a seed user: the header is row 1.
func lineOf(id int64) int {
	for i, u := range seedUsers {
		if u.ID == id {
			return i + 2
		}
	}
	panic(fmt.Sprint("no seed user ", id))
}

// padTo writes the filled To cells with leading zeros (pasted from a
// system that pads IDs); LibreOffice's Standard import strips them.
func padTo(all [][]string) {
	for _, r := range all[1:] {
		if r[1] != "" {
			r[1] = "000" + r[1]
		}
	}
}

// addNote puts a note two columns right of Team on a row that is not a pair,
// so LibreOffice writes empty trailing cells on every row.
func addNote(all [][]string) {
	r := all[lineOf(1007)-1]
	all[lineOf(1007)-1] = append(r, "", "", "left in May")
}

// sortNames sorts the Name column alone, leaving the IDs where they were:
// the admin sorted one column instead of the sheet.
func sortNames(all [][]string) {
	names := make([]string, 0, len(all)-1)
	for _, r := range all[1:] {
		names = append(names, r[2])
	}
	sort.Strings(names)
	for i, r := range all[1:] {
		r[2] = names[i]
	}
}

// wantFile is the expected result of reading one corpus file.
type wantFile struct {
	Error      handover.Code `json:"error,omitempty"`
	Format     *wantFormat   `json:"format,omitempty"`
	Pairs      []wantPair    `json:"pairs,omitempty"`
	Validation string        `json:"validation,omitempty"`
}

type wantFormat struct {
	Delimiter string            `json:"delimiter"`
	Encoding  handover.Encoding `json:"encoding"`
	CRLF      bool              `json:"crlf"`
}

type wantPair struct {
	Line  int    `json:"line"`
	From  string `json:"from"`
	To    string `json:"to"`
	Name  string `json:"name"`
	Types string `json:"types,omitempty"` // the Data Types cell, trimmed, neutralisation undone
}

func writeWant(path string, v variant) error {
	w := wantFile{Error: v.err, Validation: v.note}
	if v.err == "" {
		w.Format = &wantFormat{Delimiter: string(v.format.Delimiter), Encoding: v.format.Encoding, CRLF: v.format.CRLF}
		w.Pairs = wantPairs(v)
		if v.names != nil {
			w.Validation = mismatches(w.Pairs)
		}
	}
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// wantPairs are the pairs in file order with the cells a reader returns:
// IDs as LibreOffice writes them, names as in the directory (or as the
// admin's edit left them).
func wantPairs(v variant) []wantPair {
	all := withTypes(rows())
	if v.names != nil {
		v.names(all)
	}
	var out []wantPair
	add := func(line int, p [2]int64) {
		cells := all[line-1]
		out = append(out, wantPair{Line: line, From: v.id(p[0]), To: v.id(p[1]),
			Name:  handover.Unneutralize(lossy(cells[2], v.saved)),
			Types: strings.TrimSpace(handover.Unneutralize(lossy(cells[typesColumn], v.saved)))})
	}
	for _, p := range pairsOf(v) {
		add(lineOf(p[0]), p)
	}
	add(splitLine(), splitPair)
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// lossy is cell as saved in code page cm: "?" for each character it lacks.
func lossy(cell string, cm *charmap.Charmap) string {
	if cm == nil {
		return cell
	}
	return strings.Map(func(r rune) rune {
		if _, ok := cm.EncodeRune(r); !ok {
			return '?'
		}
		return r
	}, cell)
}

// mismatches names the pair rows whose Name is not their From user's.
func mismatches(pairs []wantPair) string {
	var lines []string
	for _, p := range pairs {
		for _, u := range seedUsers {
			if asText(u.ID) == p.From && u.Name != p.Name {
				lines = append(lines, strconv.Itoa(p.Line))
			}
		}
	}
	return "validation: name_mismatch on rows " + strings.Join(lines, ", ")
}

func transformFile(cmd, in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	switch cmd {
	case "crlf":
		b = toCRLF(b)
	case "bom":
		if !bytes.HasPrefix(b, []byte("\uFEFF")) {
			b = append([]byte("\uFEFF"), b...)
		}
	case "decimal":
		b, err = decimalIDs(b)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// toCRLF ends rows with CRLF; line breaks inside quoted cells stay LF, as
// Excel writes them.
func toCRLF(b []byte) []byte {
	var out bytes.Buffer
	inQuote := false
	for _, c := range b {
		if c == '"' {
			inQuote = !inQuote
		}
		if c == '\n' && !inQuote {
			out.WriteByte('\r')
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

var firstColumns = regexp.MustCompile(`(<table:table-column [^>]*table:default-cell-style-name=")Default(")`)

// decimalIDs gives the first two columns of a flat ODS document the number
// format "0.0", as an admin choosing Format › Cells › Number, 1 decimal.
func decimalIDs(b []byte) ([]byte, error) {
	const style = `<office:automatic-styles><number:number-style style:name="Nid"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/></number:number-style><style:style style:name="ceid" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="Nid"/>`
	if !bytes.Contains(b, []byte("<office:automatic-styles>")) {
		return nil, fmt.Errorf("no automatic styles in the .fods")
	}
	b = bytes.Replace(b, []byte("<office:automatic-styles>"), []byte(style), 1)
	n := 0
	b = firstColumns.ReplaceAllFunc(b, func(m []byte) []byte {
		if n++; n > 2 {
			return m
		}
		return firstColumns.ReplaceAll(m, []byte("${1}ceid${2}"))
	})
	if n < 2 {
		return nil, fmt.Errorf("found %d table columns, want 2", n)
	}
	return b, nil
}
