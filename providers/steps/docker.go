package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// dockerDeadline: longer than any docker CLI call takes on a working engine; past it, the engine is wedged.
const dockerDeadline = 600 * time.Second

// ownerLabels say which lab and stack made a container or network.
var ownerLabels = []string{"calico-lab.lab", "calico-lab.stack"}

// docker runs the docker CLI with dockerDeadline.
func docker(args ...string) (runResult, error) {
	return runArgv(append([]string{"docker"}, args...), dockerDeadline, "docker "+strings.Join(args, " "))
}

// mustRun runs argv; a non-zero exit fails, saying what was done and what the command said.
func mustRun(argv []string, what string) (string, error) {
	result, err := runArgv(argv, dockerDeadline, what)
	if err != nil {
		return "", err
	}
	if result.code != 0 {
		return "", fmt.Errorf("%s failed (exit %d): %s", what, result.code, said(result))
	}
	return result.stdout, nil
}

// foreignOwner: when an object named like ours exists, whether it carries other owner labels than ours, and whose.
// found is `docker inspect --format '{{json .Labels}}'` of it.
func foreignOwner(found string, ours map[string]string) (bool, string) {
	var labels map[string]string
	_ = json.Unmarshal([]byte(strings.TrimSpace(found)), &labels)
	owner := []string{}
	foreign := false
	for _, key := range ownerLabels {
		theirs, set := labels[key]
		mine, mineSet := ours[key]
		if set != mineSet || theirs != mine {
			foreign = true
		}
		if !set {
			theirs = "(none)"
		}
		owner = append(owner, key+"="+theirs)
	}
	return foreign, strings.Join(owner, ", ")
}

// ownerFilters: `docker ps` filters for the owner labels these labels carry.
func ownerFilters(labels map[string]string) []string {
	var filters []string
	for _, key := range ownerLabels {
		if value := labels[key]; value != "" {
			filters = append(filters, "--filter", "label="+key+"="+value)
		}
	}
	return filters
}
