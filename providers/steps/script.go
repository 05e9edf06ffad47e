package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hostBashScript is bash without ~/.bashrc reading its script, whole, from fd 3: the script never enters argv,
// where every local user could read it (it may carry a private key). The script's first line closes fd 3, so
// that nothing it starts holds it.
var hostBashScript = []string{"/bin/bash", "--norc", "-c", `eval "$(cat <&3)"`}

// runResult is what a script did: its exit code (-1 when a signal ended it), stdout and stderr.
type runResult struct {
	code   int
	stdout string
	stderr string
}

// runScript runs a bash script on this machine, the script on a pipe at fd 3, stdin empty. Past the deadline,
// the script and every process below it are killed and the run fails, naming what was still running.
func runScript(script string, deadline time.Duration, what string) (runResult, error) {
	reader, writer, err := os.Pipe()
	if err != nil {
		return runResult{}, err
	}
	cmd := exec.Command(hostBashScript[0], hostBashScript[1:]...)
	cmd.ExtraFiles = []*os.File{reader}
	feed := func() {
		reader.Close()
		go func() {
			// A script that exits before reading its input closes the pipe: that is not our error.
			_, _ = writer.WriteString("exec 3<&-\n" + script)
			writer.Close()
		}()
	}
	result, err := runCommand(cmd, deadline, what, feed)
	if err != nil {
		reader.Close()
		writer.Close()
	}
	return result, err
}

// poll runs argv until it exits 0 (true) or timeoutSeconds have passed (false), interval apart; each try may take
// the timeout and a minute more. A try that cannot run, or runs past that, ends the wait with its error.
func poll(argv []string, timeoutSeconds float64, interval time.Duration, what string) (bool, error) {
	deadline := time.Now().Add(time.Duration(timeoutSeconds * float64(time.Second)))
	wait := time.Duration((timeoutSeconds + 60) * float64(time.Second))
	for {
		result, err := runArgv(argv, wait, what)
		if err != nil || result.code == 0 {
			return err == nil, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		time.Sleep(interval)
	}
}

// runArgv runs a command (no shell), stdin empty, with runScript's deadline.
func runArgv(argv []string, deadline time.Duration, what string) (runResult, error) {
	if len(argv) == 0 {
		return runResult{}, fmt.Errorf("%s: empty command", what)
	}
	return runCommand(exec.Command(argv[0], argv[1:]...), deadline, what, func() {})
}

// runCommand starts cmd, calls started once it runs, and waits for it until the deadline; past it, the
// command and every process below it are killed and the run fails, naming what was still running.
func runCommand(cmd *exec.Cmd, deadline time.Duration, what string, started func()) (runResult, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return runResult{}, err
	}
	started()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	select {
	case err := <-done:
		return exited(err, stdout.String(), stderr.String())
	case <-timer.C:
		running := killTree(cmd.Process.Pid)
		still := ""
		if len(running) > 0 {
			still = " (still running: " + strings.Join(running, "; ") + ")"
		}
		return runResult{}, fmt.Errorf("%s: no answer within %ds; killed%s", what, int(deadline.Seconds()), still)
	}
}

func exited(err error, stdout, stderr string) (runResult, error) {
	if err == nil {
		return runResult{0, stdout, stderr}, nil
	}
	if exit, ok := err.(*exec.ExitError); ok {
		return runResult{exit.ExitCode(), stdout, stderr}, nil
	}
	return runResult{}, err
}

// killTree kills pid and every process below it (read from /proc); returns the command lines of those below.
func killTree(pid int) []string {
	parents := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, entry := range entries {
		child, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		if parent, ok := parentOf(child); ok {
			parents[child] = parent
		}
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		for child, parent := range parents {
			if parent == tree[i] {
				tree = append(tree, child)
			}
		}
	}
	var lines []string
	for _, p := range tree[1:] {
		line, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if text := strings.TrimSpace(strings.ReplaceAll(string(line), "\x00", " ")); text != "" {
			lines = append(lines, text)
		}
	}
	for _, p := range tree {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	return lines
}

// parentOf reads a process's parent from /proc/PID/stat (after the command name, which may hold spaces).
func parentOf(pid int) (int, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	text := string(stat)
	end := strings.LastIndex(text, ")")
	if end < 0 || end+2 > len(text) {
		return 0, false
	}
	fields := strings.Fields(text[end+2:])
	if len(fields) < 2 {
		return 0, false
	}
	parent, err := strconv.Atoi(fields[1])
	return parent, err == nil
}
