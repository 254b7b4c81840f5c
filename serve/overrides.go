package serve

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/store"
)

// authorized requires the bearer token on endpoints that change state or
// show who changed it. The token is compared in constant time and never
// logged.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// For the token holder only: no cache, a browser's included, keeps it.
		w.Header().Set("Cache-Control", "no-store")
		if s.opts.Token == "" {
			fail(w, http.StatusForbidden, "overrides are disabled: start slokit serve with a token")
			return
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") { // schemes are case-insensitive (RFC 7235)
			w.Header().Set("WWW-Authenticate", `Bearer realm="slokit"`)
			fail(w, http.StatusUnauthorized, "an Authorization: Bearer token is required")
			return
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
			fail(w, http.StatusForbidden, "the token is not valid")
			return
		}
		h(w, r)
	}
}

func (s *Server) listOverrides(w http.ResponseWriter, _ *http.Request) {
	list := s.opts.Store.Overrides(s.opts.Now())
	writeList(w, "overrides", list)
}

// Bounds of an override's free text: enough for a sentence and a link.
const (
	maxReason = 1024
	maxAuthor = 256
)

func (s *Server) createOverride(w http.ResponseWriter, r *http.Request) {
	var req api.OverrideRequest
	if !decodeBody(w, r, &req, strictFields) {
		return
	}
	now := s.opts.Now()
	if !s.judged(w, req.Service) {
		return
	}
	expires, ok := s.overrideTerms(w, req.Reason, req.Author, req.Expires, req.Duration, now)
	if !ok {
		return
	}
	ov, err := s.opts.Store.CreateOverride(r.Context(), gate.Override{Service: req.Service, Reason: req.Reason, Author: req.Author, Expires: expires}, clientOf(r), now)
	if err != nil {
		storeFailed(w, "storing the override", err)
		return
	}
	s.logger().Info("override created", "id", ov.ID, "service", ov.Service, "expires", ov.Expires)
	writeJSON(w, http.StatusCreated, ov)
}

// changeOverride extends or shortens an override in force, with a reason.
func (s *Server) changeOverride(w http.ResponseWriter, r *http.Request) {
	var req api.OverrideChangeRequest
	if !decodeBody(w, r, &req, strictFields) {
		return
	}
	now := s.opts.Now()
	expires, ok := s.overrideTerms(w, req.Reason, req.Author, req.Expires, req.Duration, now)
	if !ok {
		return
	}
	id := r.PathValue("id")
	ov, found, err := s.opts.Store.ChangeOverride(r.Context(), id, store.OverrideChange{Expires: expires, Reason: req.Reason, Author: req.Author}, clientOf(r), now)
	switch {
	case err != nil:
		storeFailed(w, "changing the override", err)
	case !found:
		fail(w, http.StatusNotFound, "no override %q in force", id)
	default:
		s.logger().Info("override changed", "id", ov.ID, "service", ov.Service, "expires", ov.Expires)
		writeJSON(w, http.StatusOK, ov)
	}
}

// overrideTerms checks what an override is given when it is created or
// changed: who and why, in plain text, and an end (a time, or a duration
// from now) in the future and at most MaxOverride away. It answers 400
// and returns false when they do not hold.
func (s *Server) overrideTerms(w http.ResponseWriter, reason, author string, at *time.Time, duration string, now time.Time) (time.Time, bool) {
	expires, ok := endOf(w, "expires", at, duration, now)
	if !ok || !whoAndWhy(w, "an override", reason, author) {
		return expires, false
	}
	switch {
	case !expires.After(now):
		fail(w, http.StatusBadRequest, "the override must expire in the future (expires or duration)")
	case expires.Sub(now) > s.opts.MaxOverride:
		fail(w, http.StatusBadRequest, "an override may last at most %s", s.opts.MaxOverride)
	default:
		return expires, true
	}
	return expires, false
}

// byWhom reads who makes a deletion, from ?author= (optional: a DELETE has
// no body), in plain text as an author is; it answers 400 and returns
// false when it is not.
func byWhom(w http.ResponseWriter, r *http.Request) (string, bool) {
	by := r.URL.Query().Get("author")
	if err := plainText("author", by, maxAuthor); err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return "", false
	}
	return by, true
}

func (s *Server) deleteOverride(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	by, valid := byWhom(w, r)
	if !valid {
		return
	}
	ok, err := s.opts.Store.DeleteOverride(r.Context(), id, by, clientOf(r), s.opts.Now())
	switch {
	case err != nil:
		storeFailed(w, "deleting the override", err)
	case !ok:
		fail(w, http.StatusNotFound, "no override %q", id)
	default:
		s.logger().Info("override deleted", "id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

// auditTrail answers the latest records about a service (decisions,
// overrides, maintenance windows), newest first, with the token: they
// name who made each change.
func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request) {
	service := r.URL.Query().Get("service")
	if service == "" {
		fail(w, http.StatusBadRequest, "give the service: ?service=NAME")
		return
	}
	if !validService(w, service) {
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxAuditRecords {
			fail(w, http.StatusBadRequest, "limit must be from 1 to %d, got %q", store.MaxAuditRecords, v)
			return
		}
		limit = n
	}
	records, err := s.opts.Store.Audit(r.Context(), service, limit)
	if err != nil {
		storeFailed(w, "reading the audit trail", err)
		return
	}
	writeList(w, "records", records)
}
