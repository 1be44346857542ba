package controllers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/dict"
	"crm/models/patient"
)

// DictController serves the dictionaries: all of them at once for the
// frontend's cache, and each one's administration.
type DictController struct {
	DB  *gorm.DB
	Now func() time.Time
}

type allDictsJSON struct {
	Doctors      []dictEntryJSON `json:"doctors"`
	Diseases     []dictEntryJSON `json:"diseases"`
	Media        []dictEntryJSON `json:"media"`
	AdvisoryWays []dictEntryJSON `json:"ways"`
}

// All is GET /dict: every dictionary, disabled entries included (old
// patients still refer to them), without patient counts.
func (d DictController) All(c *gin.Context) (any, error) {
	all, err := dict.AllDictionaries(c.Request.Context(), d.DB)
	if err != nil {
		return nil, err
	}
	return allDictsJSON{
		Doctors:      presentDict(dict.DictDoctor, all.Doctors, false),
		Diseases:     presentDict(dict.DictDisease, all.Diseases, false),
		Media:        presentDict(dict.DictMedia, all.Media, false),
		AdvisoryWays: presentDict(dict.DictAdvisoryWay, all.AdvisoryWays, false),
	}, nil
}

// Of is the administration of one dictionary.
func (d DictController) Of(kind dict.DictKind) DictKindController {
	return DictKindController{d, kind}
}

type DictKindController struct {
	DictController
	Kind dict.DictKind
}

type dictListJSON struct {
	DictData []dictEntryJSON `json:"dict_data"`
}

type dictEntryEnvelope struct {
	Entry dictEntryJSON `json:"entry"`
}

// List is GET /dict/{kind}: with patient counts, optionally by enabled.
func (d DictKindController) List(c *gin.Context) (any, error) {
	b := newBinder(c)
	enabled := b.optionalBool("enabled")
	if b.err != nil {
		return nil, b.err
	}
	entries, err := patient.ListDict(c.Request.Context(), d.DB, d.Kind, enabled)
	if err != nil {
		return nil, err
	}
	return dictListJSON{DictData: presentDict(d.Kind, entries, true)}, nil
}

func (d DictKindController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	f, _, err := bindDictFields(c, d.Kind, true)
	if err != nil {
		return nil, err
	}
	entry, err := dict.CreateDictEntry(c.Request.Context(), d.DB, viewer, d.Kind, f, d.Now())
	if err != nil {
		return nil, err
	}
	return dictEntryEnvelope{Entry: presentDictEntry(d.Kind, entry, false)}, nil
}

func (d DictKindController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	f, set, err := bindDictFields(c, d.Kind, false)
	if err != nil {
		return nil, err
	}
	entry, err := patient.UpdateDictEntry(c.Request.Context(), d.DB, viewer, d.Kind, id, f, set, d.Now())
	if err != nil {
		return nil, err
	}
	return dictEntryEnvelope{Entry: presentDictEntry(d.Kind, entry, false)}, nil
}

func (d DictKindController) Delete(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := patient.DeleteDictEntry(c.Request.Context(), d.DB, viewer, d.Kind, id, d.Now()); err != nil {
		return nil, err
	}
	return deletedJSON{Deleted: true}, nil
}

// Reorder is PUT /dict/{kind}/order with ids=3,1,2: that order, first first.
func (d DictKindController) Reorder(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	ids := b.idList("ids")
	if b.err != nil {
		return nil, b.err
	}
	if err := dict.ReorderDict(c.Request.Context(), d.DB, viewer, d.Kind, ids, d.Now()); err != nil {
		return nil, err
	}
	entries, err := patient.ListDict(c.Request.Context(), d.DB, d.Kind, nil)
	if err != nil {
		return nil, err
	}
	return dictListJSON{DictData: presentDict(d.Kind, entries, true)}, nil
}

const maxSortOrder = 1_000_000

// bindDictFields reads an entry: everything on creation (name required,
// enabled by default, appended at the end), the fields sent on an edit.
func bindDictFields(c *gin.Context, kind dict.DictKind, creating bool) (dict.DictFields, dict.DictFieldSet, error) {
	b := newBinder(c)
	include := b.sent
	if creating {
		include = func(...string) bool { return true }
	}
	f := dict.DictFields{Enabled: true}
	var set dict.DictFieldSet
	if include("name") {
		f.Name, set = b.requiredText(textRule{maxRunes: kind.NameRunes()}, "name"), set|dict.DictFieldName
	}
	if include("sort_order") {
		if order := b.optionalInt(0, maxSortOrder, "sort_order"); order != nil {
			o := int(*order)
			f.SortOrder, set = &o, set|dict.DictFieldSortOrder
		}
	}
	if include("enabled") {
		if enabled := b.optionalBool("enabled"); enabled != nil {
			f.Enabled, set = *enabled, set|dict.DictFieldEnabled
		}
	}
	if kind.HasDoctorFields() {
		if include("title") {
			f.Title, set = deref(b.optionalText(textRule{maxRunes: 32}, "title")), set|dict.DictFieldTitle
		}
		if include("introduction") {
			f.Introduction = deref(b.optionalText(textRule{maxRunes: 2000, multiline: true}, "introduction"))
			set |= dict.DictFieldIntroduction
		}
	}
	if kind.IsTree() && include("parent_id") {
		if parent := b.optionalInt(0, maxID, "parent_id"); parent != nil {
			f.ParentID = uint64(*parent)
		}
		set |= dict.DictFieldParentID
	}
	return f, set, b.err
}

type dictEntryJSON struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	ParentID     *string `json:"parentId,omitempty"`
	Title        *string `json:"title,omitempty"`
	Introduction *string `json:"introduction,omitempty"`
	Enabled      string  `json:"enabled"`
	SortOrder    string  `json:"sortOrder"`
	PatientCount *string `json:"patientCount,omitempty"`
}

// presentDictEntry: every value a string; "1"/"0" for enabled, as the
// legacy rows were; a disease's parentId is "0" for a department.
func presentDictEntry(kind dict.DictKind, e dict.DictEntry, withCount bool) dictEntryJSON {
	out := dictEntryJSON{
		ID:        strconv.FormatUint(e.ID, 10),
		Name:      e.Name,
		Enabled:   flag(e.Enabled),
		SortOrder: strconv.Itoa(e.SortOrder),
	}
	if kind.HasDoctorFields() {
		out.Title, out.Introduction = &e.Title, &e.Introduction
	}
	if kind.IsTree() {
		parent := strconv.FormatUint(e.ParentID, 10)
		out.ParentID = &parent
	}
	if withCount {
		n := strconv.FormatInt(e.PatientCount, 10)
		out.PatientCount = &n
	}
	return out
}

func presentDict(kind dict.DictKind, entries []dict.DictEntry, withCount bool) []dictEntryJSON {
	out := make([]dictEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = presentDictEntry(kind, e, withCount)
	}
	return out
}
