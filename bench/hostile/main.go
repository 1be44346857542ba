// Command hostile measures what hostile input costs a running server: for
// each case its peak resident memory (VmHWM, reset before the case) above
// the server's idle RSS, how long the case took, and what it was answered.
// bench/hostile.sh starts the server on SQLite and drives it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"crm/internal/hostilefiles"
)

const target = 150 << 20 // bytes above idle

func main() {
	base := flag.String("url", "http://127.0.0.1:18090", "the server")
	password := flag.String("password", "", "the admin's password")
	pid := flag.Int("pid", 0, "the server's pid")
	flag.Parse()
	api := strings.TrimRight(*base, "/") + "/back_end/api/v1"
	token := login(api, *password)
	client := &http.Client{Timeout: 5 * time.Minute}
	// A warm-up import, so that idle is the server having served one.
	answer(client, upload(api+"/patient/import/preview", token, "warm.xlsx", hostilefiles.ValidXLSX(10)))
	idle := status(*pid, "VmRSS")
	fmt.Printf("Idle RSS %.1f MB; target: peak < idle + %d MB\n\n", mb(idle), target>>20)
	// A case starts from what the ones before left resident (Go returns
	// freed memory lazily), so its peak is an upper bound of its own.
	fmt.Println("| case | file | answer | took | RSS above idle at start | peak above idle | target |")
	fmt.Println("|---|---|---|---|---|---|---|")

	measure := func(name string, size int, run func() string) {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", *pid), []byte("5"), 0); err != nil {
			fail("reset VmHWM: %v", err)
		}
		before, start := status(*pid, "VmRSS")-idle, time.Now()
		got := run()
		took := time.Since(start)
		peak := status(*pid, "VmHWM") - idle
		ok := "✓"
		if peak >= target {
			ok = "✗"
		}
		fmt.Printf("| %s | %s | %s | %.2f s | %.1f MB | %.1f MB | %s |\n", name, sizeOf(size), got, took.Seconds(), mb(before), mb(peak), ok)
	}
	preview := func(name string, data []byte) {
		measure(name, len(data), func() string {
			return answer(client, upload(api+"/patient/import/preview", token, name, data))
		})
	}
	preview("wide.xlsx (6,000 rows to column XFD)", hostilefiles.WideXLSX(6000))
	preview("empty-fields.csv (10 MB of commas)", hostilefiles.EmptyFieldsCSV(10<<20))
	preview("empty-rows.csv (10 MB of 64-comma rows)", hostilefiles.EmptyRowsCSV(10<<20))
	preview("quoted-fields.csv (10 MB of quoted line breaks)", hostilefiles.QuotedFieldsCSV(10<<20))
	preview("bomb-250m.xlsx (a sheet of 250 MB)", hostilefiles.ZipBomb(250<<20))
	preview("bomb-1g.xlsx (a sheet of 1 GiB)", hostilefiles.ZipBomb(1<<30))
	preview("comments-1g.xlsx (1 GiB of XML comments)", hostilefiles.CommentBomb(1<<30))
	preview("strings-2m.xlsx (2,000,000 shared strings)", hostilefiles.SharedStringsBomb(2_000_000))
	preview("huge-cell.xlsx (one cell of 60 MB)", hostilefiles.HugeCell(60<<20))
	preview("xxe.xlsx", hostilefiles.XXE())
	preview("billion-laughs.xlsx", hostilefiles.BillionLaughs())

	big := make([]byte, 20<<20-4096) // just under the upload limit with the multipart framing; an attacker needs no real file
	measure("16 unauthenticated 20 MiB uploads at once", 20<<20, func() string {
		return concurrently(16, func() string {
			return answer(client, upload(api+"/patient/import/preview", "", "big.xlsx", big))
		})
	})
	body := "name=" + strings.Repeat("x", 1<<20-len("name=")-1)
	var menu string
	measure("200 unauthenticated 1 MiB POSTs at once (+ GET /menu)", 1<<20, func() string {
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			got := answer(client, mustRequest("GET", api+"/menu/?token="+token, "", nil))
			menu = fmt.Sprintf("%s in %.0f ms", got, float64(time.Since(start).Microseconds())/1000)
		}()
		got := concurrently(200, func() string {
			return answer(client, mustRequest("POST", api+"/patient/", "application/x-www-form-urlencoded", strings.NewReader(body)))
		})
		<-done
		return got
	})
	fmt.Printf("\nGET /menu during the 200 POSTs: %s\n", menu)

	valid := hostilefiles.ValidXLSX(20000)
	measure("import of a valid 20,000-row file (target ≤ 10 s)", len(valid), func() string {
		return answer(client, upload(api+"/patient/import", token, "leads.xlsx", valid))
	})
}

func login(api, password string) string {
	resp, err := http.PostForm(api+"/token/", url.Values{"username": {"admin"}, "password": {password}})
	if err != nil {
		fail("login: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		fail("login: %v", err)
	}
	return out.Token
}

// upload is a multipart request with one file part, the token (if any) in
// the header, as the console sends it.
func upload(endpoint, token, name string, data []byte) *http.Request {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
	part.Write(data)
	w.Close()
	req := mustRequest("POST", endpoint, w.FormDataContentType(), &body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func mustRequest(method, endpoint, contentType string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, endpoint, body)
	if err != nil {
		fail("%v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// answer is the stateCode and the message's start, or how the request
// failed.
func answer(client *http.Client, req *http.Request) string {
	resp, err := client.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	var out struct {
		StateCode json.Number `json:"stateCode"`
		Message   string      `json:"message"`
		Import    *struct {
			Rows     int `json:"rows"`
			Imported int `json:"imported"`
		} `json:"import"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Sprintf("HTTP %d, no JSON", resp.StatusCode)
	}
	switch {
	case out.Import != nil:
		return fmt.Sprintf("%d rows, %d imported", out.Import.Rows, out.Import.Imported)
	case out.Message != "":
		return fmt.Sprintf("%s %s", out.StateCode, out.Message)
	}
	if out.StateCode == "" {
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return out.StateCode.String()
}

// concurrently runs n at once and tallies their answers.
func concurrently(n int, run func() string) string {
	var mu sync.Mutex
	tally := map[string]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := run()
			if i := strings.IndexByte(got, ' '); i > 0 && !strings.HasPrefix(got, "error") {
				got = got[:i]
			}
			mu.Lock()
			tally[got]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	var parts []string
	for got, count := range tally {
		parts = append(parts, fmt.Sprintf("%d× %s", count, got))
	}
	return strings.Join(parts, ", ")
}

// status reads a size (kB) from /proc/pid/status, in bytes.
func status(pid int, key string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fail("%v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	fail("no %s in /proc/%d/status", key, pid)
	return 0
}

func mb(b int64) float64 { return float64(b) / 1e6 }

func sizeOf(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KB", float64(n)/1e3)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hostile: "+format+"\n", args...)
	os.Exit(1)
}
