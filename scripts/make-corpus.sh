#!/usr/bin/env bash
# make-corpus.sh regenerates csvio/testdata/corpus: the people export, edited
# as an admin would, saved by a real spreadsheet program (LibreOffice Calc,
# headless) in the formats admins really upload, each with a .want.json
# holding the pairs (or the error) a reader must return. Tests read the
# committed files; LibreOffice is only needed to regenerate them:
#
#   apt-get install -y libreoffice-calc-nogui && scripts/make-corpus.sh
#
# Filter options are LibreOffice's CSV tokens: separator, quote, character
# set (76 UTF-8, 65535 UTF-16 "Unicode", 1 Windows-1252, 33 Windows-1250),
# first line, column
# formats (1/2/2/2: columns A and B as Text), language, quote all text,
# detect special numbers, save as shown, ..., evaluate formulas (token 13).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v soffice >/dev/null || { echo "make-corpus: soffice not found (apt-get install -y libreoffice-calc-nogui)" >&2; exit 1; }
out=csvio/testdata/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/corpusgen" ./csvio/testdata/corpusgen
gen() { "$work/corpusgen" "$@"; }

# A private profile, so a running LibreOffice (or a parallel test) is not disturbed.
lo() { soffice -env:UserInstallation="file://$work/profile" --headless "$@" >/dev/null 2>&1; }

text_ids='CSV:44,34,76,1,1/2/2/2'          # IDs kept as typed: columns A, B as Text
standard='CSV:44,34,76,1'                  # what a double-click open does: IDs become numbers
misread='CSV:44,34,1,1,1/2/2/2'            # a UTF-8 file opened as Windows-1252
evaluate='CSV:44,34,76,1,1/2/2/2,1033,false,false,false,false,false,-1,true'
calc='Text - txt - csv (StarCalc)'

# convert VARIANT INFILTER OUTFILTER OUTFILE: edit the export for VARIANT,
# open it with INFILTER, save it with OUTFILTER as OUTFILE.
convert() {
  local variant=$1 infilter=$2 outfilter=$3 file=$4
  rm -rf "$work/out" && mkdir -p "$work/out"
  gen edit "$variant" "$work/$variant.csv"
  lo --infilter="$infilter" --convert-to "$outfilter" --outdir "$work/out" "$work/$variant.csv"
  mv "$work/out/$variant".* "$out/$file"
  gen want "$variant" "$out/$file.want.json"
  echo "made $file"
}

rm -rf "$out" && mkdir -p "$out"
gen seed "$out/people-export.csv"
printf '{\n  "format": {"delimiter": ",", "encoding": "utf-8-bom", "crlf": false},\n  "validation": "the export itself: no pairs, nothing to do"\n}\n' > "$out/people-export.csv.want.json"

convert utf8               "$text_ids" "csv:$calc:44,34,76,1"                            lo-utf8.csv
convert utf8-bom           "$text_ids" "csv:$calc:44,34,76,1,,0,false,true,true,false,false,0,false,true" lo-utf8-bom.csv
gen bom "$out/lo-utf8-bom.csv" "$out/lo-utf8-bom.csv" # LibreOffice before 7.6 ignores the BOM token; Excel's "CSV UTF-8" always writes one
convert semicolon          "$text_ids" "csv:$calc:59,34,76,1,,0,false,true,true"          lo-semicolon.csv
convert unicode-tab        "$text_ids" "csv:$calc:9,34,65535,1,,0,false,true,true"        lo-unicode-tab.txt
convert windows-1252       "$text_ids" "csv:$calc:44,34,1,1,,0,false,true,true"          lo-windows-1252.csv
convert crlf-1252          "$text_ids" "csv:$calc:44,34,1,1,,0,false,true,true"          lo-crlf-1252.csv
convert windows-1250       "$text_ids" "csv:$calc:44,34,33,1,,0,false,true,true"         lo-windows-1250.csv
gen crlf "$out/lo-crlf-1252.csv" "$out/lo-crlf-1252.csv" # LibreOffice on Linux writes LF; Windows programs end rows with CRLF
convert leading-zeros      "$standard" "csv:$calc:44,34,76,1,,0,false,true,true"          lo-leading-zeros.csv
convert scientific         "$standard" "csv:$calc:44,34,76,1,,0,false,true,true"          lo-scientific.csv
convert trailing-columns   "$text_ids" "csv:$calc:44,34,76,1,,0,false,true,true"          lo-trailing-columns.csv
convert misdecoded-bom     "$misread"  "csv:$calc:44,34,76,1,,0,false,true,true"          lo-misdecoded-bom.csv
convert sorted-name        "$text_ids" "csv:$calc:44,34,76,1,,0,false,true,true"          lo-sorted-name.csv
convert formulas-evaluated "$evaluate" "csv:$calc:44,34,76,1,,0,false,true,true"          lo-formulas-evaluated.csv
convert xlsx               "$text_ids" xlsx                                               lo-people.xlsx
convert ods                "$text_ids" ods                                                lo-people.ods

# IDs as 19.0: open as numbers, format columns A and B as "0.0" (edited in the
# flat ODS document), save as CSV with cells as shown.
rm -rf "$work/out" && mkdir -p "$work/out"
gen edit decimal-ids "$work/decimal-ids.csv"
lo --infilter="$standard" --convert-to fods --outdir "$work" "$work/decimal-ids.csv"
gen decimal "$work/decimal-ids.fods" "$work/decimal-ids-0.0.fods"
lo --convert-to "csv:$calc:44,34,76,1,,0,false,true,true" --outdir "$work/out" "$work/decimal-ids-0.0.fods"
mv "$work/out/decimal-ids-0.0.csv" "$out/lo-decimal-ids.csv"
gen want decimal-ids "$out/lo-decimal-ids.csv.want.json"
echo "made lo-decimal-ids.csv"

cat > "$out/README.md" <<'README'
# Spreadsheet corpus

Made by `scripts/make-corpus.sh` (do not edit by hand): the people export
(`people-export.csv`, written by `csvio.PeopleWriter`), edited as an admin would
(`csvio/testdata/corpusgen`), then opened and saved by LibreOffice Calc. Each file
has a `.want.json`: the format `csvio.Read` must detect and the pair rows it must
return (`line` is the spreadsheet row, `from`/`to` the trimmed cells, `name` the
Name cell with neutralisation undone, `types` the Data Types cell likewise: a few
rows choose data types with every separator, curly quotes and an exclusion, and the
last row copies one leaver's row to split their data), or `{"error": "code"}`. Where the bytes
leave the code page open, the encoding is that of the reading validation must
pick by the names, and the pairs are that reading's. `validation` says what
validation must then report; `TestCorpus` checks the reader's part only.

| file | what happened to it |
|---|---|
| lo-utf8.csv | opened with IDs as Text, saved as CSV UTF-8 (LibreOffice quotes every text cell) |
| lo-utf8-bom.csv | the same with a UTF-8 BOM, as Excel's "CSV UTF-8" writes |
| lo-semicolon.csv | saved with `;` separators, as in locales with a decimal comma |
| lo-unicode-tab.txt | saved as "Unicode text": UTF-16LE with BOM, tab separated |
| lo-windows-1252.csv | saved in Windows-1252 ("ANSI"), names with €, “ ”, Œ, Š, ñ; Ł, ř, ő and the control pictures became `?` |
| lo-windows-1250.csv | saved in Windows-1250 (Central European "ANSI"): Ł, ř, ő kept, Ø, Œ, Ñ and the control pictures became `?`; the reader cannot tell it from Windows-1252, validation can (the names) |
| lo-crlf-1252.csv | Windows-1252 with CRLF row ends (LF inside cells), as Excel on Windows |
| lo-leading-zeros.csv | To typed as 0001002; a double-click open made them numbers |
| lo-decimal-ids.csv | ID columns formatted as numbers with one decimal: 1001.0 |
| lo-scientific.csv | 18-digit IDs opened as numbers: 1.23457E+017 style damage |
| lo-trailing-columns.csv | a note two columns right of Team: every row gets empty trailing cells |
| lo-misdecoded-bom.csv | the UTF-8 export opened as Windows-1252: header `ï»¿From User ID`, names mojibake |
| lo-sorted-name.csv | the Name column sorted on its own: names no longer match the IDs |
| lo-formulas-evaluated.csv | opened with "Evaluate formulas" on: neutralised names stayed text |
| lo-people.xlsx, lo-people.ods | saved as workbooks, not CSV: unreadable |
README
echo "made README.md"
