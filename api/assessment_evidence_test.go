package api_test

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// uploadLimit is MaxUploadBytes in the evidence tests: small, so that going over it is cheap.
const uploadLimit = 4096

// TestAssessmentEvidenceRefused: uploads over the limit, of a disallowed type, or linked to unknown or
// hidden questions are refused with the right status, and nothing is stored: no evidence record, no
// file in the blob directory, no change to the assessment.
func TestAssessmentEvidenceRefused(t *testing.T) {
	eachDBWith(t, api.Config{MaxUploadBytes: uploadLimit}, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Refused Uploads KK", "depth", "core")
		id := asm.ID
		path := "/api/v1/supplier/assessments/" + id + "/evidence"
		big := func(n int) []byte { return bytes.Repeat([]byte("a"), n) }
		keys := func(k ...string) map[string][]string { return map[string][]string{"question_keys": k} }
		cases := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"far over the limit", upload{"file", "big.txt", big(20 * uploadLimit), keys("notes")}, http.StatusRequestEntityTooLarge, ""},
			{"one byte over the limit", upload{"file", "big.txt", big(uploadLimit + 1), keys("notes")}, http.StatusRequestEntityTooLarge, ""},
			{"twice the limit", upload{"file", "big.txt", big(2 * uploadLimit), keys("notes")}, http.StatusRequestEntityTooLarge, ""},
			{"windows executable renamed .pdf", upload{"file", "report.pdf", exeFile, keys("notes")}, http.StatusUnsupportedMediaType, "file"},
			{"ELF executable renamed .pdf", upload{"file", "report.pdf", elfFile, keys("notes")}, http.StatusUnsupportedMediaType, "file"},
			{"zip that is not xlsx/docx", upload{"file", "controls.xlsx", zipFile(t, "readme.txt", "hello", "tool.exe", "MZ"), keys("notes")}, http.StatusUnsupportedMediaType, "file"},
			{"zip with a docx name but no document", upload{"file", "policy.docx", zipFile(t, "[Content_Types].xml", "<Types/>", "word/styles.xml", "<x/>"), keys("notes")}, http.StatusUnsupportedMediaType, "file"},
			{"binary with NUL named .txt", upload{"file", "data.txt", []byte("abc\x00def"), keys("notes")}, http.StatusUnsupportedMediaType, "file"},
			{"gif", upload{"file", "a.gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00"), keys("notes")}, http.StatusUnsupportedMediaType, "file"},
			{"unknown question key", upload{"file", "a.pdf", pdfFile, keys("nope")}, http.StatusUnprocessableEntity, "question_keys[0]"},
			{"hidden question key", upload{"file", "a.pdf", pdfFile, keys("notes", "policy_date")}, http.StatusUnprocessableEntity, "question_keys[1]"},
			{"extended question at core depth", upload{"file", "a.pdf", pdfFile, keys("pentest")}, http.StatusUnprocessableEntity, "question_keys[0]"},
			{"keys in one comma-separated field", upload{"file", "a.pdf", pdfFile, keys("notes,nope")}, http.StatusUnprocessableEntity, "question_keys[1]"},
			{"no question keys", upload{"file", "a.pdf", pdfFile, nil}, http.StatusUnprocessableEntity, "question_keys"},
			{"empty file", upload{"file", "a.pdf", []byte{}, keys("notes")}, http.StatusUnprocessableEntity, "file"},
			{"no file", upload{fields: keys("notes")}, http.StatusUnprocessableEntity, "file"},
			{"file under another field name", upload{"document", "a.pdf", pdfFile, keys("notes")}, http.StatusUnprocessableEntity, "file"},
			{"JSON instead of multipart", map[string]any{"file": "JVBERi0xLjQ=", "question_keys": []string{"notes"}}, http.StatusUnsupportedMediaType, ""},
			{"malformed multipart", "--x\r\nnot a part", http.StatusBadRequest, ""},
		}
		before := a.snapshot(t, "/api/v1/assessments/"+id)
		blobs := a.blobFiles(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var r resp
				if s, ok := c.body.(string); ok {
					r = a.do(t, "POST", path, secret, s, "Content-Type", "multipart/form-data; boundary=x")
				} else {
					r = a.do(t, "POST", path, secret, c.body)
				}
				if c.field != "" {
					wantProblem(t, r, c.status, c.field)
				} else {
					wantProblem(t, r, c.status)
				}
			})
		}
		// The message for a missing file speaks of evidence, not of something else.
		t.Run("no file message", func(t *testing.T) {
			r := a.do(t, "POST", path, secret, upload{fields: keys("notes")})
			if strings.Contains(string(r.Raw), "catalog") {
				t.Errorf("the evidence upload's problem speaks of a catalog: %s", r)
			}
		})
		// Over the limit without a Content-Length (chunked): the reader stops at the limit.
		t.Run("over the limit, chunked", func(t *testing.T) {
			var buf bytes.Buffer
			ctype := upload{"file", "big.txt", big(20 * uploadLimit), keys("notes")}.encode(t, &buf)
			req := httptest.NewRequestWithContext(t.Context(), "POST", path, io.MultiReader(&buf))
			req.ContentLength = -1
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Authorization", "Bearer "+secret)
			wantProblem(t, a.env.send(t, req), http.StatusRequestEntityTooLarge)
		})
		if after := a.snapshot(t, "/api/v1/assessments/"+id); after != before {
			t.Errorf("a refused upload changed the assessment (evidence or status):\n%s\n%s", before, after)
		}
		if got := a.blobFiles(t); !slices.Equal(got, blobs) {
			t.Errorf("a refused upload left files in the blob directory: %v", got)
		}
		// Exactly at the limit is fine.
		r := must(t, a.uploadFile(t, secret, id, "max.txt", big(uploadLimit), "notes"), http.StatusCreated)
		if r.JSON["size"] != float64(uploadLimit) {
			t.Errorf("size %v", r.JSON["size"])
		}
	})
}

// TestAssessmentEvidenceStorage: the recorded SHA-256 is the file's, the blob is stored under it, the
// download returns the exact bytes with the sniffed type and an attachment disposition, and a
// corrupted or missing blob is a 500 problem, never served.
func TestAssessmentEvidenceStorage(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Stored Uploads KK")
		id := asm.ID
		files := []struct {
			name, wantName string
			data           []byte
			ct             string
		}{
			{"report.pdf", "report.pdf", pdfFile, "application/pdf"},
			{"証明書 \"2025\".pdf", "証明書 \"2025\".pdf", []byte("%PDF-1.7\n証明書\n"), "application/pdf"},
			// Names with paths are refused: TestEvidenceFileNameRefused.
			{"passwd.txt", "passwd.txt", []byte("root:x:0:0\n"), "text/plain; charset=utf-8"},
			{"controls.xlsx", "controls.xlsx", xlsxFile(t), ctXLSX},
			{"policy.docx", "policy.docx", docxFile(t), ctDOCX},
			{"staff.csv", "staff.csv", csvFile, "text/csv; charset=utf-8"},
			{"photo.jpeg", "photo.jpeg", jpegFile, "image/jpeg"},
			{"diagram.png", "diagram.png", pngFile, "image/png"},
			// The name says pdf, the content is text: the content wins.
			{"notes.pdf", "notes.pdf", []byte("plain notes, not a PDF\n"), "text/plain; charset=utf-8"},
		}
		for _, f := range files {
			t.Run(f.wantName, func(t *testing.T) {
				var ev api.EvidenceResponse
				must(t, a.uploadFile(t, secret, id, f.name, f.data, "notes"), http.StatusCreated).into(t, &ev)
				if ev.SHA256 != sha256Hex(f.data) || ev.Size != int64(len(f.data)) || ev.ContentType != f.ct || ev.FileName != f.wantName {
					t.Errorf("evidence %+v; want sha %s, size %d, %s, %q", ev, sha256Hex(f.data), len(f.data), f.ct, f.wantName)
				}
				stored, err := os.ReadFile(a.blobPath(t, ev.SHA256))
				if err != nil || !bytes.Equal(stored, f.data) {
					t.Errorf("blob on disk: %d bytes, %v", len(stored), err)
				}
				var meta api.EvidenceResponse
				for _, who := range []string{secret, a.auditor, a.owner} {
					must(t, a.do(t, "GET", "/api/v1/evidence/"+ev.ID, who, nil), http.StatusOK).into(t, &meta)
					if !slicesEqualEvidence(meta, ev) {
						t.Errorf("GET /evidence/%s = %+v, want %+v", ev.ID, meta, ev)
					}
					r := must(t, a.do(t, "GET", ev.ContentURL, who, nil), http.StatusOK)
					if !bytes.Equal(r.Raw, f.data) {
						t.Errorf("download: %d bytes differ from the %d uploaded", len(r.Raw), len(f.data))
					}
					if r.Header.Get("Content-Type") != f.ct || r.Header.Get("X-Content-Type-Options") != "nosniff" {
						t.Errorf("download Content-Type %q, nosniff %q", r.Header.Get("Content-Type"), r.Header.Get("X-Content-Type-Options"))
					}
					disp, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
					if err != nil || disp != "attachment" || params["filename"] != f.wantName {
						t.Errorf("Content-Disposition %q: %s %q %v; want attachment with filename %q", r.Header.Get("Content-Disposition"),
							disp, params["filename"], err, f.wantName)
					}
				}
			})
		}
		// The same content twice: two records, one blob.
		n := len(a.blobFiles(t))
		r1 := must(t, a.uploadFile(t, secret, id, "copy1.pdf", pdfFile, "hosting"), http.StatusCreated)
		r2 := must(t, a.uploadFile(t, secret, id, "copy2.pdf", pdfFile, "notes", "hosting"), http.StatusCreated)
		if r1.str("id") == r2.str("id") || r1.str("sha256") != r2.str("sha256") {
			t.Errorf("two uploads of one content: %s / %s", r1, r2)
		}
		if got := len(a.blobFiles(t)); got != n {
			t.Errorf("a second upload of the same content added %d files", got-n)
		}
		if got := a.adminGet(t, id); len(got.Evidence) != len(files)+2 || got.Status != "in_progress" {
			t.Errorf("evidence %d, status %s", len(got.Evidence), got.Status)
		}
		if unknown := a.do(t, "GET", "/api/v1/evidence/"+unknownID()+"/content", a.admin, nil); unknown.Status != http.StatusNotFound {
			t.Errorf("unknown evidence: %s", unknown)
		}
		wantProblem(t, a.do(t, "GET", "/api/v1/evidence/not-an-id", a.admin, nil), http.StatusNotFound)

		// A corrupted blob: the hash check refuses it, 500, and none of its bytes are sent.
		original := []byte("%PDF-1.4\nthe signed audit report\n")
		var ev api.EvidenceResponse
		must(t, a.uploadFile(t, secret, id, "audit.pdf", original, "notes"), http.StatusCreated).into(t, &ev)
		p := a.blobPath(t, ev.SHA256)
		tampered := []byte("%PDF-1.4\nthe forged audit report\n")
		if err := os.WriteFile(p, tampered, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{a.admin, secret} {
			r := a.do(t, "GET", ev.ContentURL, who, nil)
			wantProblem(t, r, http.StatusInternalServerError)
			if bytes.Contains(r.Raw, []byte("forged")) || bytes.Contains(r.Raw, []byte("signed")) || strings.Contains(r.str("detail"), ev.SHA256) {
				t.Errorf("the corrupted file leaked into the answer: %s", r)
			}
			if r.Header.Get("Content-Disposition") != "" {
				t.Errorf("a refused download still carries Content-Disposition %q", r.Header.Get("Content-Disposition"))
			}
		}
		// The metadata is still there; the corruption is in the content only.
		must(t, a.do(t, "GET", "/api/v1/evidence/"+ev.ID, a.admin, nil), http.StatusOK)
		// A truncated file and a missing file are errors too.
		if err := os.WriteFile(p, original[:10], 0o600); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, a.do(t, "GET", ev.ContentURL, a.admin, nil), http.StatusInternalServerError)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, a.do(t, "GET", ev.ContentURL, a.admin, nil), http.StatusInternalServerError)
	})
}

func slicesEqualEvidence(a, b api.EvidenceResponse) bool {
	return a.ID == b.ID && a.AssessmentID == b.AssessmentID && a.FileName == b.FileName && a.ContentType == b.ContentType &&
		a.Size == b.Size && a.SHA256 == b.SHA256 && slices.Equal(a.QuestionKeys, b.QuestionKeys) && a.CreatedAt.Equal(b.CreatedAt) &&
		a.ContentURL == b.ContentURL
}

// TestEvidenceFileNameRefused: a file name that poses as a path (.., / or \\) or hides what it is
// (control characters, bidirectional overrides) is 422 naming file, and nothing is stored; an unusual
// but honest name is kept exactly as given, as display text, and sent back in Content-Disposition.
func TestEvidenceFileNameRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Named Uploads KK")
		before := a.snapshot(t, "/api/v1/assessments/"+asm.ID)
		blobs := a.blobFiles(t)
		for _, name := range []string{
			"..", "../../etc/passwd.txt", "notes/../../x.txt", "a/b.txt", `C:\Users\taro\controls.txt`, `..\x.txt`,
			"tab\there.txt", "bell\x07.txt", "del\x7f.txt", "c1\u0085.txt", "nul\x00.txt", "line\nbreak.txt",
			"invoice\u202Etxt.exe", "x\u202Ay.txt", "x\u202Dy.txt", "x\u2066y.txt", "x\u2069y.txt",
		} {
			r := a.uploadEncodedName(t, secret, asm.ID, name, []byte("plain notes\n"), "notes")
			wantProblem(t, r, http.StatusUnprocessableEntity, "file")
			if !strings.Contains(r.String(), "file name") {
				t.Errorf("%q: the problem does not speak of the file name: %s", name, r)
			}
		}
		if after := a.snapshot(t, "/api/v1/assessments/"+asm.ID); after != before {
			t.Errorf("a refused name changed the assessment:\n%s\n%s", before, after)
		}
		if got := a.blobFiles(t); !slices.Equal(got, blobs) {
			t.Errorf("a refused name left files in the blob directory: %v", got)
		}
		for _, name := range []string{"a..b report.txt", "証明書 2025 (final).txt", "العربية.txt"} {
			var ev api.EvidenceResponse
			must(t, a.uploadFile(t, secret, asm.ID, name, []byte("notes for "+name+"\n"), "notes"), http.StatusCreated).into(t, &ev)
			if ev.FileName != name {
				t.Errorf("stored name %q, want %q as given", ev.FileName, name)
			}
			r := must(t, e.do(t, "GET", "/api/v1/evidence/"+ev.ID+"/content", e.admin, nil), http.StatusOK)
			_, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
			if err != nil || params["filename"] != name {
				t.Errorf("Content-Disposition %q (%v), want filename %q", r.Header.Get("Content-Disposition"), err, name)
			}
		}
	})
}

// uploadEncodedName uploads a file whose name travels RFC 2231-encoded (filename*=UTF-8”...), the way a
// client can send any character, control characters included, in the part's header.
func (a *asmEnv) uploadEncodedName(t *testing.T, secret, id, name string, data []byte, keys ...string) resp {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range keys {
		if err := w.WriteField("question_keys", k); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	var enc strings.Builder // RFC 2231 ext-value: every byte outside the attribute characters percent-encoded
	for _, b := range []byte(name) {
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	h.Set("Content-Disposition", `form-data; name="file"; filename*=UTF-8''`+enc.String())
	h.Set("Content-Type", "application/octet-stream")
	pw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return a.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/evidence", secret, buf.Bytes(), "Content-Type", w.FormDataContentType())
}
