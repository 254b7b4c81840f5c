package simulate

// LedgerLen is how many scrapes' exact tallies are kept, summed over the
// SLOs: what a live run holds in memory beyond the engine.
func (b *Backtest) LedgerLen() int {
	n := 0
	for _, src := range b.sources {
		n += len(src.ledger)
	}
	return n
}
