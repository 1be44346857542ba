// The patient pool's calls: list, duplicates, writes, the recycle bin,
// reassignment, export and the lead import.
import { api, get, post, patch, del, download } from '../api.js'

export const listPatients = (query) => get('/patient', query)
export const findDuplicates = (query) => get('/patient/duplicates', query)
export const registerPatient = (body, idempotencyKey) => post('/patient', body, { idempotencyKey })
export const updatePatient = (id, body) => patch(`/patient/${id}`, body)
export const deletePatient = (id) => del(`/patient/${id}`)
export const restorePatient = (id) => post(`/patient/${id}/restore`)
export const purgePatient = (id) => del(`/patient/${id}/purge`)
export const reassignPatients = (ids, toAuthorId) => post('/patient/reassign', { ids, to_author_id: toAuthorId })
export const patientHistory = (id, query) => get(`/patient/${id}/history`, query)
export const exportPatients = (query) => download('/patient/export', query)

// The lead import takes a multipart form (the file and its options).
export const previewImport = (form) => api('POST', '/patient/import/preview', { body: form })
export const runImport = (form) => api('POST', '/patient/import', { body: form })
export const importTemplate = (format) => download('/patient/import/template', { format })
