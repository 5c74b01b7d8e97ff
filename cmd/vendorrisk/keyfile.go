package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The keys the server keeps outside the database (the audit signing key, the secrets key) are base64
// in a file of their own or in an environment variable.

// decodeKey reads a base64 key given by source (a variable's name, a file).
func decodeKey(b64, what, source string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("%s %s: not base64: %w", what, source, err)
	}
	return key, nil
}

// readKeyFile reads the base64 key in path.
func readKeyFile(path, what string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return decodeKey(string(b), what, path)
}

// keyFile reads the key in path or, when there is no file, makes one of size random bytes (mode
// 0600). The new key is written to a temporary file first and linked into place, so that replicas
// starting at once on a shared folder never read half a key: the one that loses the race reads the
// winner's. created is true only for the process whose key was linked.
func keyFile(path, what string, size int) (key []byte, created bool, err error) {
	key, err = readKeyFile(path, what)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key = make([]byte, size)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("generate %s: %w", what, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create folder for the %s: %w", what, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".key-*") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("create %s: %w", what, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write %s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write %s: %w", what, err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		key, err := readKeyFile(path, what)
		return key, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("create %s: %w", what, err)
	}
	return key, true, nil
}
