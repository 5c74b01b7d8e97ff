package questionnaire

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
)

// builtIns holds the built-in templates in the export format, written by us in English and Japanese.
//
//go:embed data/*.json
var builtIns embed.FS

// BuiltInDocuments returns the built-in template documents, by file name.
func BuiltInDocuments() ([][]byte, error) {
	names, err := fs.Glob(builtIns, "data/*.json")
	if err != nil {
		return nil, fmt.Errorf("list built-in templates: %w", err)
	}
	slices.Sort(names)
	docs := make([][]byte, 0, len(names))
	for _, n := range names {
		b, err := builtIns.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read built-in template %s: %w", n, err)
		}
		docs = append(docs, b)
	}
	return docs, nil
}
