package serve

import "log/slog"

// SetMaxOverrides lowers the cap on overrides in force, so that a test
// reaches it without writing a thousand files.
func (o *Overrides) SetMaxOverrides(n int) { o.max = n }

// SetLogger gives a server built by New the logger Run gives it.
func (s *Server) SetLogger(l *slog.Logger) { s.log = l }
