package legacy

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// decodeText turns a column's raw bytes into text, whatever the table's
// declared charset. The old PHP backend wrote UTF-8 through a latin1
// connection into latin1 tables (so the bytes are UTF-8, "double encoded"
// when read the normal way); some Chinese setups wrote GBK. So: valid UTF-8
// is UTF-8; otherwise GB18030 if it decodes without a replacement
// character; otherwise Windows-1252, which is what MySQL calls latin1.
func decodeText(raw []byte) string {
	if utf8.Valid(raw) {
		return string(raw)
	}
	if gbk, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw); err == nil && utf8.Valid(gbk) &&
		!strings.ContainsRune(string(gbk), utf8.RuneError) {
		return string(gbk)
	}
	latin, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return strings.ToValidUTF8(string(raw), "")
	}
	return string(latin)
}

// optionalText is a nullable column: NULL and blank become nil.
func optionalText(raw []byte) *string {
	if raw == nil {
		return nil
	}
	s := strings.TrimSpace(decodeText(raw))
	if s == "" {
		return nil
	}
	return &s
}

// truncate cuts s to at most n runes, for columns narrower in the new
// schema than text the old one let through.
func truncate(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	return string([]rune(s)[:n]), true
}
