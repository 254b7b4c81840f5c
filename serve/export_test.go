package serve

import "log/slog"

// SetLogger gives a server built by New the logger Run gives it.
func (s *Server) SetLogger(l *slog.Logger) { s.log = l }
