{{- define "istiod.name" -}}
istiod{{- if .Values.revision }}-{{ .Values.revision }}{{- end }}
{{- end -}}
{{- define "istiod.labels" -}}
app: istiod
istio: pilot
istio.io/rev: {{ .Values.revision | default "default" | quote }}
app.kubernetes.io/name: istiod
app.kubernetes.io/version: {{ .Values.global.tag | default .Chart.AppVersion | quote }}
{{- end -}}
