package main

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/slokit/slokit/serve/api"
)

// noRedirects is the HTTP client of the commands that call slokit serve
// (gate check, override): a redirect would carry the token and headers to
// wherever the answer points, and take that place's answer for serve's.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// answerError is what an error answer of slokit serve says: its API
// error, or else its text, at most 200 characters of it.
func answerError(body []byte) string {
	var e api.Error
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	return text
}
