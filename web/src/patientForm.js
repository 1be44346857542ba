// The patient form's rules, apart from its screen: the fields a patient
// fills the form with, what a save sends (an edit only what changed, so a
// masked phone number is never written back over the real one), and what
// the duplicate hint asks about.
import { toSeconds, fromSeconds, clinicNow } from './labels.js'

// formFields are the form's fields from a patient (the contract's
// camelCase), or a new patient's registered by the viewer now.
export function formFields(patient, viewerId) {
  const p = patient
  return {
    name: p?.name ?? '', sex: p?.sex ?? '0', age: p?.age ?? '', tel: p?.tel ?? '', wechat: p?.wechat ?? '', qq: p?.qq ?? '',
    area: p?.area ?? '', media_from_id: p?.mediaFromId ?? '', advisory_way: p?.advisoryWay ?? '', disease_id: p?.diseaseId ?? '',
    doctor_id: p?.doctorId ?? '', keyword: p?.keyword ?? '', landing_page: p?.landingPage ?? '',
    add_time: fromSeconds(p?.addTime) || clinicNow(), state: p?.state ?? '0', order_time: fromSeconds(p?.orderTime),
    author_id: p?.authorId ?? viewerId, advisory_content: p?.advisoryContent ?? '', remarks: p?.remarks ?? '',
    sms_consent: p?.smsConsent ?? '0',
  }
}

function asText(value) {
  if (value instanceof Date) return toSeconds(value)
  return value === null || value === undefined ? '' : String(value)
}

// formPayload is the body a save sends. An edit (original given) sends the
// fields that differ from it; a registration sends every field but an
// order time without a booking and an author that is the viewer (the
// server's default, and the only one a consultant may give).
export function formPayload(fields, original, viewerId) {
  const out = {}
  for (const [key, value] of Object.entries(fields)) {
    const text = asText(value)
    if (original) {
      if (text !== asText(original[key])) out[key] = text
      continue
    }
    if (key === 'order_time' && fields.state !== '1') continue
    if (key === 'author_id' && text === viewerId) continue
    out[key] = text
  }
  return out
}

// duplicateQuery is what to look up while a phone, WeChat or QQ is typed:
// a phone of 7 digits or more that is not masked, any WeChat, a QQ of 5
// digits or more. Empty when there is nothing worth asking.
export function duplicateQuery(fields) {
  const query = {}
  if (fields.tel && !fields.tel.includes('*') && fields.tel.replace(/\D/g, '').length >= 7) query.tel = fields.tel
  if (fields.wechat) query.wechat = fields.wechat
  if (/^\d{5,}$/.test(fields.qq)) query.qq = fields.qq
  return query
}
