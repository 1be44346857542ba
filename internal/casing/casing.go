// Package casing spells parameter names the two ways the API accepts
// them: snake_case, as the contract writes them, and camelCase, as the
// frontend's objects do.
package casing

import "strings"

// Camel spells a snake_case name in camelCase: order_time, orderTime.
func Camel(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// Either reports whether name is snake, in either spelling.
func Either(name, snake string) bool { return name == snake || name == Camel(snake) }
