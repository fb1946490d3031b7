# bash completion for sluice. The candidates come from the sluice being
# completed (`sluice complete`, a hidden verb): verbs, options, and the DAG
# names, task names and partition keys of the home the command line names
# (--home, else $SLUICE_HOME, else the current folder).
_sluice() {
	local cur words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		# partition keys hold ':' (a word break for bash)
		_get_comp_words_by_ref -n =: cur words cword
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
	fi
	local IFS=$'\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(command "${words[0]}" complete -- "$cword" "${words[@]}" 2>/dev/null))
	# a param's NAME= is followed by its value, not a space
	local w
	for w in "${COMPREPLY[@]}"; do
		if [[ $w == *= ]]; then
			compopt -o nospace 2>/dev/null
			break
		fi
	done
	if declare -F __ltrim_colon_completions >/dev/null; then
		__ltrim_colon_completions "$cur"
	fi
}
complete -o bashdefault -o default -F _sluice sluice
