// Package casing spells parameter names the two ways the API accepts
// them: snake_case, as the contract writes them, and camelCase, as the
// frontend's objects do.
package casing

import "strings"

// Camel spells a snake_case name in camelCase: order_time, orderTime.
// Every parameter a request binds is looked up this way, so a name
// without an underscore costs nothing and one with costs one allocation.
func Camel(snake string) string {
	if !strings.Contains(snake, "_") {
		return snake
	}
	out := make([]byte, 0, len(snake))
	upper := false
	for i := 0; i < len(snake); i++ {
		c := snake[i]
		switch {
		case c == '_':
			upper = true
		case upper && 'a' <= c && c <= 'z':
			out = append(out, c-'a'+'A')
			upper = false
		default:
			out = append(out, c)
			upper = false
		}
	}
	return string(out)
}

// Either reports whether name is snake, in either spelling.
func Either(name, snake string) bool { return name == snake || name == Camel(snake) }
