import { describe, expect, it } from 'vitest'
import { duplicateQuery, formFields, formPayload } from './patientForm.js'
import { fromSeconds } from './labels.js'

const patient = {
  id: '7', name: '张三', sex: '1', age: '30', tel: '135****5678', wechat: null, qq: null, area: '温州',
  mediaFromId: '2', advisoryWay: null, diseaseId: '5', doctorId: null, keyword: null, landingPage: null,
  addTime: '1764720000', state: '1', orderTime: '1764806400', authorId: '3', advisoryContent: null, remarks: '老客户',
}

describe('an edit', () => {
  it('sends nothing when nothing changed', () => {
    const original = formFields(patient, '9')
    expect(formPayload(formFields(patient, '9'), original, '9')).toEqual({})
  })

  it('sends only the fields changed, never the masked phone back', () => {
    const original = formFields(patient, '9')
    const fields = { ...formFields(patient, '9'), name: '张三丰', doctor_id: '4', remarks: '' }
    expect(formPayload(fields, original, '9')).toEqual({ name: '张三丰', doctor_id: '4', remarks: '' })
  })

  it('sends a new phone typed over the masked one', () => {
    const original = formFields(patient, '9')
    expect(formPayload({ ...original, tel: '13900001111' }, original, '9')).toEqual({ tel: '13900001111' })
  })

  it('sends a changed time as unix seconds', () => {
    const original = formFields(patient, '9')
    const fields = { ...original, add_time: fromSeconds(1764723600) }
    expect(formPayload(fields, original, '9')).toEqual({ add_time: '1764723600' })
  })
})

describe('a registration', () => {
  it('sends every field as text, but no order time without a booking and no author when it is the viewer', () => {
    const fields = { ...formFields(null, '9'), name: '李四', tel: '13500001111', add_time: fromSeconds(1764720000) }
    expect(formPayload(fields, null, '9')).toEqual({
      name: '李四', sex: '0', age: '', tel: '13500001111', wechat: '', qq: '', area: '', media_from_id: '', advisory_way: '',
      disease_id: '', doctor_id: '', keyword: '', landing_page: '', add_time: '1764720000', state: '0', advisory_content: '', remarks: '', sms_consent: '0',
    })
  })

  it('sends the order time of a booking and another author', () => {
    const fields = { ...formFields(null, '9'), name: '李四', state: '1', order_time: fromSeconds(1764806400), author_id: '3' }
    const body = formPayload(fields, null, '9')
    expect([body.state, body.order_time, body.author_id]).toEqual(['1', '1764806400', '3'])
  })
})

describe('duplicate hints', () => {
  it('ask about a phone of 7 digits or more, any WeChat, a QQ of 5 digits or more', () => {
    expect(duplicateQuery({ tel: '135 0000 1111', wechat: 'wx_li', qq: '12345' })).toEqual({ tel: '135 0000 1111', wechat: 'wx_li', qq: '12345' })
  })

  it('ask nothing about a short or masked phone, or a short QQ', () => {
    expect(duplicateQuery({ tel: '135000', wechat: '', qq: '1234' })).toEqual({})
    expect(duplicateQuery({ tel: '135****5678', wechat: '', qq: '' })).toEqual({})
  })
})
