package files

// SetMaxOverrides lowers the cap on overrides in force, so that a test
// reaches it without writing a thousand files.
func (o *Overrides) SetMaxOverrides(n int) { o.max = n }
