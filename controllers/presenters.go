package controllers

import (
	"strconv"

	"crm/models"
)

// The contract's objects. Every value is a string or null, as the original
// PHP backend returned database rows; presenters never touch the database.

type patientJSON struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	Sex             string  `json:"sex"`
	Tel             *string `json:"tel"`
	Age             *string `json:"age"`
	Wechat          *string `json:"wechat"`
	QQ              *string `json:"qq"`
	AddTime         string  `json:"addTime"`
	OrderTime       *string `json:"orderTime"`
	ReachTime       *string `json:"reachTime"`
	DiseaseID       *string `json:"diseaseId"`
	AuthorID        string  `json:"authorId"`
	State           string  `json:"state"`
	MediaFromID     *string `json:"mediaFromId"`
	DoctorID        *string `json:"doctorId"`
	AdvisoryWay     *string `json:"advisoryWay"`
	AdvisoryContent *string `json:"advisoryContent"`
	Area            *string `json:"area"`
	Remarks         *string `json:"remarks"`
}

// presentPatient shows a patient to v, with the phone number masked where
// v may not see it whole.
func presentPatient(p models.Patient, v models.Viewer) patientJSON {
	return patientJSON{
		ID:              strconv.FormatUint(p.ID, 10),
		Name:            p.Name,
		Sex:             strconv.Itoa(int(p.Sex)),
		Tel:             p.TelFor(v),
		Age:             optionalInt(p.Age),
		Wechat:          p.Wechat,
		QQ:              p.QQ,
		AddTime:         strconv.FormatInt(p.AddTime, 10),
		OrderTime:       optionalInt(p.OrderTime),
		ReachTime:       optionalInt(p.ReachTime),
		DiseaseID:       optionalID(p.DiseaseID),
		AuthorID:        strconv.FormatUint(p.AuthorID, 10),
		State:           strconv.Itoa(int(p.State)),
		MediaFromID:     optionalID(p.MediaFromID),
		DoctorID:        optionalID(p.DoctorID),
		AdvisoryWay:     p.AdvisoryWay,
		AdvisoryContent: p.AdvisoryContent,
		Area:            p.Area,
		Remarks:         p.Remarks,
	}
}

func presentPatients(rows []models.Patient, v models.Viewer) []patientJSON {
	out := make([]patientJSON, len(rows)) // [] rather than null for an empty page
	for i, p := range rows {
		out[i] = presentPatient(p, v)
	}
	return out
}

func optionalInt[N int16 | int64](n *N) *string {
	if n == nil {
		return nil
	}
	s := strconv.FormatInt(int64(*n), 10)
	return &s
}

func optionalID(id *uint64) *string {
	if id == nil {
		return nil
	}
	s := strconv.FormatUint(*id, 10)
	return &s
}

func presentIDs(ids []uint64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(id, 10)
	}
	return out
}

type menuJSON struct {
	Title string          `json:"title"`
	Name  string          `json:"name"`
	URL   string          `json:"url"`
	Child []menuChildJSON `json:"child"`
}

type menuChildJSON struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Name  string `json:"name"`
	URL   string `json:"url"`
}

func presentMenu(tree []models.MenuNode) []menuJSON {
	out := make([]menuJSON, len(tree))
	for i, node := range tree {
		children := make([]menuChildJSON, len(node.Children))
		for j, child := range node.Children {
			children[j] = menuChildJSON{ID: strconv.FormatUint(child.ID, 10), Title: child.Title, Name: child.Name, URL: child.URL}
		}
		out[i] = menuJSON{Title: node.Title, Name: node.Name, URL: node.URL, Child: children}
	}
	return out
}

type historyEntryJSON struct {
	ID       string          `json:"id"`
	Action   string          `json:"action"`
	UserID   *string         `json:"userId"`
	Username string          `json:"username"`
	Address  string          `json:"address"`
	Time     string          `json:"time"`
	Changes  []models.Change `json:"changes"`
}

func presentHistory(entries []models.HistoryEntry) []historyEntryJSON {
	out := make([]historyEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = historyEntryJSON{
			ID:       strconv.FormatUint(e.ID, 10),
			Action:   e.Action,
			UserID:   optionalID(e.UserID),
			Username: e.Username,
			Address:  e.Address,
			Time:     strconv.FormatInt(e.CreatedAt.Unix(), 10),
			Changes:  e.Changes,
		}
	}
	return out
}
