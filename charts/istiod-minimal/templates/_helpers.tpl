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
{{- define "istiod.injectorClientConfig" -}}
{{- if .Values.istiodRemote.injectionURL }}
url: {{ .Values.istiodRemote.injectionURL | quote }}
{{- with .Values.istiodRemote.injectionCABundle }}
caBundle: {{ . | quote }}
{{- end }}
{{- else }}
service:
  name: {{ include "istiod.name" . }}
  namespace: {{ .Release.Namespace }}
  path: /inject
  port: 443
{{- end }}
{{- end -}}
{{- define "istiod.injectorCommon" -}}
rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
sideEffects: None
admissionReviewVersions: ["v1beta1", "v1"]
failurePolicy: Fail
reinvocationPolicy: Never
{{- end }}
