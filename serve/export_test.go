package serve

import "log/slog"

// SetLogger gives a server built by New the logger Run gives it.
func (s *Server) SetLogger(l *slog.Logger) { s.log = l }

// OccupyCanaryChecks takes every place among the canary checks in flight
// and returns what gives them back.
func (s *Server) OccupyCanaryChecks() (release func()) {
	for range maxCanaryChecks {
		s.canaries.enter()
	}
	return func() {
		for range maxCanaryChecks {
			s.canaries.leave()
		}
	}
}
