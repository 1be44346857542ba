// Package models is the folder of the domain packages; it holds no code of
// its own. Lower packages never import higher ones (the table in
// tests/import_edges_test.go holds the allowed arrows):
//
//	store, calendar                      the DB handle, SQL text, shared errors; calendar periods
//	access                               the viewer, permission and role keys, phone masking
//	oplog                                the operation log, which everything writes to
//	idempotency                          replayed creates
//	staff, dict, settings                users, roles, sessions, menus; dictionaries; clinic settings
//	notice                               notices
//	patient                              the pool: patients, fields, queries, registration, history
//	followup, visit, leadimport, export  what is done to patients
//	report                               reports, revenue, ranking, dashboard
//	migrations                           the versioned schema, frozen
package models
