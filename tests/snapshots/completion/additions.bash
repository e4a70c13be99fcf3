# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---

_uvauth() {
    # Registered for `uvauth` and `uv`: `uv` gets uvauth's additions only while it is an alias of uvauth.
    local cur
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    if [[ "${1##*/}" != uvauth && "$(alias -- "$1" 2>/dev/null)" != *uvauth* ]]; then
        _uvauth_uv "$@"
        return
    fi
    _uvauth__line "$1" "$cur" 1
}

_uvauth__line() {
    # Complete COMP_WORDS as a uvauth command line: uv's, plus --authenticate (and, when $3 is 1, the first
    # word `uvauth`). --authenticate and its value are taken out of the words handed to uv's function.
    local cmd="$1" cur="$2" own="$3" i word skip=0 dashdash=0
    if [[ "$own" == 1 ]] && (( COMP_CWORD >= 2 )) && [[ "${COMP_WORDS[1]}" == uvauth ]]; then
        _uvauth__own "$cmd" "$cur"
        return
    fi
    local -a words=("${COMP_WORDS[0]}")
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${COMP_WORDS[i]}"
        if (( skip > 0 )); then
            skip=$(( skip - 1 ))
            continue
        fi
        if (( ! dashdash )); then
            case "$word" in
                --) dashdash=1 ;;
                --authenticate)
                    # `--authenticate V`, or `--authenticate = V` (bash splits `--authenticate=V` at the `=`)
                    if [[ "${COMP_WORDS[i+1]}" == = ]]; then skip=2; else skip=1; fi
                    continue ;;
                --authenticate=*) continue ;;
            esac
        fi
        words+=("$word")
    done
    if (( skip > 0 )); then
        # The word after --authenticate, or after `--authenticate =` (`=` itself when nothing follows it yet)
        [[ "$cur" == = ]] && cur=""
        COMPREPLY=( $(compgen -W "always auto never" -- "$cur") )
        return 0
    fi
    if (( ! dashdash )); then
        if [[ "$cur" == --authenticate=* ]]; then
            COMPREPLY=( $(compgen -P --authenticate= -W "always auto never" -- "${cur#--authenticate=}") )
            return 0
        fi
    fi
    local first=0
    (( COMP_CWORD == 1 )) && first=1
    local cword=${#words[@]}
    words+=("${COMP_WORDS[@]:COMP_CWORD}")
    local COMP_CWORD=$cword
    local -a COMP_WORDS=("${words[@]}")
    _uvauth_uv "$cmd" "$cur" "${COMP_WORDS[COMP_CWORD-1]}"
    if (( ! dashdash )) && [[ "$cur" == -* || $cword -eq 1 ]]; then
        COMPREPLY+=( $(compgen -W "--authenticate" -- "$cur") )
    fi
    if [[ "$own" == 1 ]] && (( first )) && [[ "$cur" != -* ]]; then
        COMPREPLY+=( $(compgen -W "uvauth" -- "$cur") )
    fi
    return 0
}

_uvauth__own() {
    # `uvauth uvauth COMMAND ...`: uvauth's own commands.
    local cmd="$1" cur="$2" i word n=0 skip=0 leading=1 options="" valued="" tail="" prefix="" only=""
    local prev="${COMP_WORDS[COMP_CWORD-1]}"
    if (( COMP_CWORD == 2 )); then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=( $(compgen -W "-h --help" -- "$cur") )
        else
            COMPREPLY=( $(compgen -W "completion credentials doctor explain help helper login logout version" -- "$cur") )
        fi
        return 0
    fi
    case "${COMP_WORDS[2]}" in
        completion) options="-h --help" ;;
        credentials) options="--all -o --output -h --help"; valued="-o --output" ;;
        doctor) options="--json -h --help"; tail=1; prefix="lock"; only="--project --directory --config-file --no-config --index --default-index --index-url -i --extra-index-url --find-links -f --keyring-provider --allow-insecure-host --system-certs --no-system-certs --native-tls --no-native-tls --authenticate" ;;
        explain) options="--json -h --help"; tail=1; prefix="" ;;
        help) options="-h --help" ;;
        helper) options="--protocol -h --help"; valued="--protocol" ;;
        login) options="-u --username -h --help"; valued="-u --username" ;;
        logout) options="-u --username -h --help"; valued="-u --username" ;;
        version) options="-h --help" ;;
        *) return 0 ;;
    esac
    if [[ -n "$tail" ]]; then
        # The command's own options lead; the rest is a uv command line, completed as `uvauth PREFIX ARGS...`.
        local -a words=("${COMP_WORDS[0]}" $prefix)
        for (( i = 3; i < COMP_CWORD; i++ )); do
            word="${COMP_WORDS[i]}"
            if (( leading )) && [[ " $options " == *" $word "* ]]; then
                continue
            fi
            [[ "$word" == -* ]] || leading=0
            words+=("$word")
        done
        local -a own=()
        if (( leading )) && [[ "$cur" == -* ]]; then
            own=( $(compgen -W "$options" -- "$cur") )
        fi
        local cword=${#words[@]}
        words+=("${COMP_WORDS[@]:COMP_CWORD}")
        local COMP_CWORD=$cword
        local -a COMP_WORDS=("${words[@]}")
        _uvauth__line "$cmd" "$cur" 0
        # Each word once (the command's -h/--help are uv's too), and of uv's options only those it takes.
        local -a merged=()
        for word in "${own[@]}" "${COMPREPLY[@]}"; do
            if [[ -n "$only" && "$word" == -* && " $only $options " != *" $word "* ]]; then
                continue
            fi
            [[ " ${merged[*]} " == *" $word "* ]] || merged+=("$word")
        done
        COMPREPLY=( "${merged[@]}" )
        return 0
    fi
    case "${COMP_WORDS[2]}:$prev" in
        credentials:-o) return 0 ;;
        credentials:--output) return 0 ;;
        helper:--protocol) COMPREPLY=( $(compgen -W "bazel git" -- "$cur") ); return 0 ;;
        login:-u) return 0 ;;
        login:--username) return 0 ;;
        logout:-u) return 0 ;;
        logout:--username) return 0 ;;
    esac
    for (( i = 3; i < COMP_CWORD; i++ )); do
        if (( skip )); then
            skip=0
        elif [[ " $valued " == *" ${COMP_WORDS[i]} "* ]]; then
            skip=1
        elif [[ "${COMP_WORDS[i]}" != -* ]]; then
            n=$(( n + 1 ))
        fi
    done
    if [[ "$cur" == -* ]]; then
        COMPREPLY=( $(compgen -W "$options" -- "$cur") )
        return 0
    fi
    case "${COMP_WORDS[2]}:$n" in
        completion:0) COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") ) ;;
        credentials:0) COMPREPLY=( $(compgen -W "show forget trust token" -- "$cur") ) ;;
        helper:0) COMPREPLY=( $(compgen -W "get store erase" -- "$cur") ) ;;
    esac
    return 0
}

_uvauthx() {
    # `uvauthx` is uvauth's uvx: complete its words as the uvauth command line `uvauth tool run WORDS...`.
    local cur
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    local -a words=(uvauth tool run "${COMP_WORDS[@]:1}")
    local COMP_CWORD=$(( COMP_CWORD + 2 ))
    local -a COMP_WORDS=("${words[@]}")
    _uvauth__line uvauth "$cur" 0
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _uvauth -o nosort -o bashdefault -o default uvauth uv
    complete -F _uvauthx -o nosort -o bashdefault -o default uvauthx
else
    complete -F _uvauth -o bashdefault -o default uvauth uv
    complete -F _uvauthx -o bashdefault -o default uvauthx
fi
