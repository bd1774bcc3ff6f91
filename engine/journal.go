package engine

// The undo journal, handover_moves, holds per pair one entry per data type
// and owner column whose rows the pair moved (the moved keys and a
// fingerprint of the rows), and marker entries that move no rows of an
// owner column.
const (
	// journalInsert begins every insert into the journal: all its columns,
	// in this order.
	journalInsert = `INSERT INTO handover_moves (job_id, pair_id, data_type, owner_column, moved, overwritten, ids, fingerprint)`
	// overwriteMark is the owner column of the entry that counts the
	// target rows of an overwrite type the pair overwrote.
	overwriteMark = ""
	// deactivationType and deactivationMark name the entry recording that
	// the pair deactivated its source, which undo reactivates.
	deactivationType, deactivationMark = "users", "active"
)
