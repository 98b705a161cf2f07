<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AudioPreview</name>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="135"/>
        <source>prompt</source>
        <translation>提示音</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="138"/>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="201"/>
        <source>▶ Play labelled audio</source>
        <translation>▶ 播放加标识后的音频</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="154"/>
        <source>Cannot play: {0}</source>
        <translation>无法播放：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="163"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="177"/>
        <source>{0:.1f} s of audio · prompt of {1:.1f} s at {2} · result {3:.1f} s</source>
        <translation>音频 {0:.1f} 秒 · 提示音 {1:.1f} 秒，位于 {2} · 结果 {3:.1f} 秒</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="181"/>
        <source>{0:.1f} s of audio · no audible prompt with these settings</source>
        <translation>音频 {0:.1f} 秒 · 当前设置不加提示音</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="188"/>
        <source>No preview: {0}</source>
        <translation>无法预览：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="202"/>
        <source>Labelling a copy…</source>
        <translation>正在生成加标识的副本…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="203"/>
        <source>■ Stop</source>
        <translation>■ 停止</translation>
    </message>
</context>
<context>
    <name>CheckView</name>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="46"/>
        <source>Check a file…</source>
        <translation>检查文件…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="48"/>
        <source>Check a folder…</source>
        <translation>检查文件夹…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="51"/>
        <source>Drop files or folders here to see which AI-content labels they carry.</source>
        <translation>将文件或文件夹拖到这里，查看其中带有哪些人工智能生成内容标识。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="63"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="63"/>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="63"/>
        <source>Rule</source>
        <translation>依据</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="63"/>
        <source>Advice</source>
        <translation>建议</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="77"/>
        <source>Select a file to see its labels.</source>
        <translation>选择一个文件查看其标识。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="105"/>
        <source>Check files</source>
        <translation>检查文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="110"/>
        <source>Check a folder</source>
        <translation>检查文件夹</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="133"/>
        <source>✔ Compliant: one complete AIGC record in the right place.</source>
        <translation>✔ 合规：在正确位置有一条完整的 AIGC 记录。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="135"/>
        <source>✔ Compliant with warnings: a sound AIGC record with a recognised deviation.</source>
        <translation>✔ 合规但有提醒：AIGC 记录可用，但存在已知的偏差。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="137"/>
        <source>✘ Has an AIGC record, but it does not conform.</source>
        <translation>✘ 有 AIGC 记录，但不符合要求。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="138"/>
        <source>✘ No AIGC record.</source>
        <translation>✘ 没有 AIGC 记录。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="139"/>
        <source>? Cannot tell: the file is damaged.</source>
        <translation>? 无法判断：文件已损坏。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="141"/>
        <source>Plain text has no metadata carrier; only a prompt line in the text can label it.</source>
        <translation>纯文本没有元数据载体，只能在文本中加入提示语来标识。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="143"/>
        <source>Unsupported file type.</source>
        <translation>不支持的文件类型。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="148"/>
        <source>compliant</source>
        <translation>合规</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="149"/>
        <source>compliant with warnings</source>
        <translation>合规（有提醒）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="150"/>
        <source>not compliant</source>
        <translation>不合规</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="151"/>
        <source>no label</source>
        <translation>无标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="152"/>
        <source>cannot tell</source>
        <translation>无法判断</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="153"/>
        <source>no carrier</source>
        <translation>无载体</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="154"/>
        <source>unsupported</source>
        <translation>不支持</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="160"/>
        <source>GB 45438 §6.1, Annex E</source>
        <translation>GB 45438 第6.1条、附录E</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="162"/>
        <source>GB 45438 §6.1 a, Annex E note 1 and j); TC260 image guide annex</source>
        <translation>GB 45438 第6.1条 a)、附录E 注1和 j)；TC260 图片标识指南附录</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="164"/>
        <source>GB 45438 §6.1 a–c, Annex E</source>
        <translation>GB 45438 第6.1条 a)–c)、附录E</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="166"/>
        <source>GB 45438 §6.1; Measures Art. 5 (metadata label for every generated file)</source>
        <translation>GB 45438 第6.1条；《办法》第五条（每个生成文件都须有元数据标识）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="169"/>
        <source>GB 45438 §5 (explicit label); no TC260 guide names a carrier for this format</source>
        <translation>GB 45438 第5章（显式标识）；TC260 指南未规定此格式的元数据载体</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="175"/>
        <source>Nothing to do.</source>
        <translation>无需处理。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="177"/>
        <source>Label it for publishing to fill the propagator fields and move the record to the primary carrier.</source>
        <translation>发布前为其添加标识，以填写传播者字段并把记录移到主要载体中。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="180"/>
        <source>Re-export it from the generator, or label it: the producer's fields are kept and one conforming record is written.</source>
        <translation>从生成服务重新导出，或为其添加标识：保留生成者字段，并写入一条合规记录。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="182"/>
        <source>Label it with your provider code as the producer.</source>
        <translation>以您的服务提供者编码作为生成者为其添加标识。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="183"/>
        <source>Re-export the file from its source and check again.</source>
        <translation>从来源重新导出该文件后再检查。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="185"/>
        <source>Keep the visible prompt, or convert to a format with a carrier (PNG, Markdown).</source>
        <translation>保留可见提示，或转换为有元数据载体的格式（PNG、Markdown）。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="187"/>
        <source>Check a supported format.</source>
        <translation>请检查受支持的格式。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="236"/>
        <source>{0} {1}</source>
        <translation>{0} 个{1}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="241"/>
        <source>{0} files: {1}</source>
        <translation>{0} 个文件：{1}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="241"/>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="243"/>
        <source>(checking…)</source>
        <translation>（检查中…）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="244"/>
        <source>No supported files found.</source>
        <translation>未找到受支持的文件。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="256"/>
        <source>Rule:</source>
        <translation>依据：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="256"/>
        <source>Advice:</source>
        <translation>建议：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="257"/>
        <source>Record in</source>
        <translation>记录位于</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/check_view.py" line="284"/>
        <source>Visible and audible labels cannot be verified on an arbitrary file.</source>
        <translation>无法在任意文件上核验可见或可听的显式标识。</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="113"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="125"/>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="136"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="337"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="136"/>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="148"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="366"/>
        <source>Details ▸</source>
        <translation>详细信息 ▸</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="163"/>
        <source>Retry failed</source>
        <translation>重试失败的文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="166"/>
        <source>Open output folder</source>
        <translation>打开输出文件夹</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="171"/>
        <source>Open report</source>
        <translation>打开报告</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="210"/>
        <source>Cancelling: finishing the files in progress…</source>
        <translation>正在取消：等待处理中的文件完成…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="230"/>
        <source>Labelling: {0}</source>
        <translation>正在标识：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="230"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="292"/>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="258"/>
        <source>estimating…</source>
        <translation>正在估算剩余时间…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="260"/>
        <source>about {0} left</source>
        <translation>约剩 {0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="263"/>
        <source>{0} of {1} files · {2}</source>
        <translation>第 {0} / {1} 个文件 · {2}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="307"/>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="332"/>
        <source>Labelling report</source>
        <translation>标识报告</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="333"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="344"/>
        <source>labelled</source>
        <translation>已标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="336"/>
        <source>not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="338"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="339"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="340"/>
        <source>Labelled copy</source>
        <translation>已标识的副本</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="341"/>
        <source>Finished {0} · aigclabel {1}</source>
        <translation>完成于 {0} · aigclabel {1}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="342"/>
        <source>Not exported (file type not supported): {0}</source>
        <translation>未导出（不支持的文件类型）：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="366"/>
        <source>Details ▾</source>
        <translation>详细信息 ▾</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="269"/>
        <source>Export stopped: {0}</source>
        <translation>导出已停止：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="272"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="319"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="279"/>
        <source>Done: {0} labelled, {1} skipped, {2} failed</source>
        <translation>完成：{0} 个已加标识，{1} 个跳过，{2} 个失败</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="283"/>
        <source>Cancelled: {0} labelled, {1} not started</source>
        <translation>已取消：{0} 个已加标识，{1} 个未开始</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="287"/>
        <source>Output folder: {0}</source>
        <translation>输出文件夹：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="291"/>
        <source>{0} files were not exported (file type not supported): {1}</source>
        <translation>{0} 个文件未导出（不支持的文件类型）：{1}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="305"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="335"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="305"/>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="334"/>
        <source>skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/export_dialog.py" line="297"/>
        <source>Report: {0}</source>
        <translation>报告：{0}</translation>
    </message>
</context>
<context>
    <name>FileModel</name>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="123"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="124"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="125"/>
        <source>Size / length</source>
        <translation>大小 / 时长</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="126"/>
        <source>Labels found</source>
        <translation>已有标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="127"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="165"/>
        <source>This file has its own label position.</source>
        <translation>此文件有单独的标识位置。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="180"/>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="201"/>
        <source>unsupported</source>
        <translation>不支持</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="182"/>
        <source>image</source>
        <translation>图片</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="183"/>
        <source>audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="184"/>
        <source>video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="185"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="195"/>
        <source>AIGC record ✓</source>
        <translation>有 AIGC 记录 ✓</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="196"/>
        <source>AIGC record ✓ (with notes)</source>
        <translation>有 AIGC 记录 ✓（附说明）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="197"/>
        <source>AIGC record, not compliant</source>
        <translation>有 AIGC 记录，不合规</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="198"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="199"/>
        <source>cannot tell (damaged)</source>
        <translation>无法判断（已损坏）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="200"/>
        <source>no metadata carrier</source>
        <translation>无元数据载体</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="207"/>
        <source>labelling…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="208"/>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="209"/>
        <source>skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="210"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/file_model.py" line="211"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="117"/>
        <source>aigclabel — label AI-generated content</source>
        <translation>aigclabel — 为人工智能生成内容添加标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="156"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="167"/>
        <source>All files</source>
        <translation>全部文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="167"/>
        <source>Not yet exported</source>
        <translation>尚未导出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="167"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="167"/>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="171"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="175"/>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="182"/>
        <source>Files</source>
        <translation>文件列表</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="211"/>
        <source>No files yet</source>
        <translation>还没有文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="216"/>
        <source>Drag pictures, audio, video or documents here (files or whole folders), or use Add Files / Add Folder. Nothing is changed in the originals: labelled copies go to the output folder.</source>
        <translation>把图片、音频、视频或文档（文件或整个文件夹）拖到这里，或使用“添加文件”/“添加文件夹”。原文件不会被修改：加标识的副本保存到输出文件夹。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="223"/>
        <source>Try with samples</source>
        <translation>用示例试试</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="227"/>
        <source>A picture, a short clip with sound and a short audio file.</source>
        <translation>一张图片、一段带声音的短视频和一段短音频。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="252"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="260"/>
        <source>Export labelled copies</source>
        <translation>导出带标识的副本</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="278"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="673"/>
        <source>Select a file to see the label exactly as it will be written.</source>
        <translation>选择一个文件，即可看到将要写入的标识效果。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="289"/>
        <source>Drag the label to move it; near a corner or an edge it snaps into place.</source>
        <translation>拖动标签可移动位置；靠近角落或边缘时会自动对齐。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="293"/>
        <source>A moved label applies to all files</source>
        <translation>拖动标签的位置应用于所有文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="297"/>
        <source>◀ Previous</source>
        <translation>◀ 上一个</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="302"/>
        <source>Next ▶</source>
        <translation>下一个 ▶</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="309"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="652"/>
        <source>100 %</source>
        <translation>100 %</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="310"/>
        <source>Show the picture at 100 % around the label (or fit)</source>
        <translation>以 100% 显示标识周围的画面（或适应窗口）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="315"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="329"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="331"/>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="336"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="338"/>
        <source>Add &amp;Files…</source>
        <translation>添加文件(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="342"/>
        <source>Add F&amp;older…</source>
        <translation>添加文件夹(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="345"/>
        <source>Try with &amp;samples</source>
        <translation>用示例试试(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="347"/>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="349"/>
        <source>&amp;Check files…</source>
        <translation>检查文件(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="353"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="365"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="367"/>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="370"/>
        <source>C&amp;lear</source>
        <translation>清空(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="372"/>
        <source>&amp;Play labelled audio/video</source>
        <translation>播放加标识后的音视频(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="375"/>
        <source>Remember the file list</source>
        <translation>记住文件列表</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="378"/>
        <source>Creator or service provider…</source>
        <translation>创作者还是服务提供者…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="384"/>
        <source>Apply this label position to selected files</source>
        <translation>将此标识位置应用到所选文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="387"/>
        <source>Reset label position of selected files</source>
        <translation>重置所选文件的标识位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="393"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="400"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="401"/>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="457"/>
        <source>Cannot add: {0}</source>
        <translation>无法添加：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="463"/>
        <source>{0} files added</source>
        <translation>已添加 {0} 个文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="469"/>
        <source>Add files</source>
        <translation>添加文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="474"/>
        <source>Add folder</source>
        <translation>添加文件夹</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="481"/>
        <source>Samples</source>
        <translation>示例</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="481"/>
        <source>No sample files are installed.</source>
        <translation>未安装示例文件。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="530"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="531"/>
        <source>An export is running. Stop it and clear the list?</source>
        <translation>正在导出。要停止导出并清空列表吗？</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="532"/>
        <source>Stop and clear</source>
        <translation>停止并清空</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="573"/>
        <source>files to label</source>
        <translation>要标识的文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="578"/>
        <source>something to write: a visible label or the metadata record</source>
        <translation>要写入的内容：可见标识或元数据记录</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="591"/>
        <source>the producer code ({0} files have no record yet)</source>
        <translation>生成方代码（{0} 个文件还没有记录）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="593"/>
        <source>a valid producer code: {0}</source>
        <translation>有效的生成方代码：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="607"/>
        <source>Still needed: {0}</source>
        <translation>还需要：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="612"/>
        <source>Ready: {0} files</source>
        <translation>可以导出：{0} 个文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="652"/>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="681"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="690"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="722"/>
        <source>label text height {0:.1f}% of the shorter side</source>
        <translation>标签文字高度为短边的 {0:.1f}%</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="735"/>
        <source>Metadata only: no prompt is added to this document.</source>
        <translation>仅元数据：不会在此文档中加入提示文字。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="737"/>
        <source>This document type gets the metadata record only, no prompt.</source>
        <translation>此类文档只写入元数据标识，不加提示文字。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="739"/>
        <source>a line</source>
        <translation>单独一行</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="740"/>
        <source>a quote</source>
        <translation>引用块</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="741"/>
        <source>a paragraph</source>
        <translation>段落</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="742"/>
        <source>text on the page</source>
        <translation>页面上的文字</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="743"/>
        <source>the sheet header</source>
        <translation>工作表页眉</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="744"/>
        <source>a text box on the slide</source>
        <translation>幻灯片上的文本框</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="747"/>
        <source>at the start</source>
        <translation>开头</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="748"/>
        <source>at the end</source>
        <translation>结尾</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="749"/>
        <source>at the start and at the end</source>
        <translation>开头和结尾</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="751"/>
        <source>The export adds the prompt “{0}” {1}, as {2}.</source>
        <translation>导出时将在{1}以{2}的形式加入提示“{0}”。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="758"/>
        <source>No preview: {0}</source>
        <translation>无法预览：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="793"/>
        <source>Apply to selected</source>
        <translation>应用到所选文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="798"/>
        <source>Reset position</source>
        <translation>重置位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="833"/>
        <source>Label position reset for {0} files</source>
        <translation>已重置 {0} 个文件的标识位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="850"/>
        <source>Move the label in the selected files</source>
        <translation>移动所选文件中的标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="852"/>
        <source>{0} of the selected files have their own label position. Replace them?</source>
        <translation>所选文件中有 {0} 个有单独的标识位置。要替换它们吗？</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="854"/>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="867"/>
        <source>Label moved to {0} in {1} files</source>
        <translation>已将 {1} 个文件的标识移到{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="885"/>
        <source>Move the label in all files</source>
        <translation>移动所有文件的标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="886"/>
        <source>{0} files have their own label position. Replace them all?</source>
        <translation>{0} 个文件有各自的标识位置。全部替换吗？</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="889"/>
        <source>Replace all</source>
        <translation>全部替换</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="910"/>
        <source>Label moved to {0}</source>
        <translation>标签已移到 {0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="918"/>
        <source>a custom place</source>
        <translation>自定义位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="970"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="978"/>
        <source>Save preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="970"/>
        <source>Preset name:</source>
        <translation>预设名称：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="987"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="991"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1000"/>
        <source>Rename preset</source>
        <translation>重命名预设</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="987"/>
        <source>Built-in presets cannot be renamed.</source>
        <translation>内置预设不能重命名。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="991"/>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1009"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1015"/>
        <source>Delete preset</source>
        <translation>删除预设</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1009"/>
        <source>Built-in presets cannot be deleted.</source>
        <translation>内置预设不能删除。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1031"/>
        <source>pictures: no visible text label (GB 45438 §5.2)</source>
        <translation>图片：没有可见的文字标识（GB 45438 第 5.2 条）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1032"/>
        <source>videos: no text prompt from the first frame (GB 45438 §5.4)</source>
        <translation>视频：开头画面没有文字提示（GB 45438 第 5.4 条）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1033"/>
        <source>audio: no voice or rhythm prompt (GB 45438 §5.3)</source>
        <translation>音频：没有语音或节奏提示（GB 45438 第 5.3 条）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1034"/>
        <source>documents: no text prompt (GB 45438 §5.1)</source>
        <translation>文档：没有文字提示（GB 45438 第 5.1 条）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1039"/>
        <source>These files would get no visible or audible label, which GB 45438 §5 asks for:

{0}

Measures Art. 9: unlabelled copies may be handed out only at the user's own request, and the labelling duty stays with whoever publishes them. Your choice is written into the report. Export without the label?</source>
        <translation>这些文件将没有可见或可听的标识，而 GB 45438 第 5 章要求添加：

{0}

《标识办法》第九条：仅在用户本人要求时才可提供未加显式标识的内容，标识义务由发布者承担。您的选择会写入报告。仍然不加标识导出吗？</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1044"/>
        <source>No explicit label</source>
        <translation>无显式标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1044"/>
        <source>Export without it</source>
        <translation>不加标识导出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1056"/>
        <source>The label text “{0}” lacks the "AI" and "generated/synthesised" elements GB 45438 §5.2/§5.4 ask for (the default is AI生成). Draw it anyway? The report will say it was forced.</source>
        <translation>标识文字“{0}”缺少 GB 45438 第 5.2/5.4 条要求的“人工智能”与“生成/合成”要素（默认为 AI生成）。仍然使用吗？报告中会注明为强制使用。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1060"/>
        <source>Label text</source>
        <translation>标识文字</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1060"/>
        <source>Draw it anyway</source>
        <translation>仍然使用</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1094"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1098"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1138"/>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1164"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1165"/>
        <source>The export did not start: {0}</source>
        <translation>导出未开始：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1214"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1215"/>
        <source>An export is running. Stop it and quit? Files in progress are not kept.</source>
        <translation>正在导出。要停止并退出吗？正在处理的文件不会保留。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1216"/>
        <source>Stop and quit</source>
        <translation>停止并退出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1099"/>
        <source>Cannot create the output folder: {0}</source>
        <translation>无法创建输出文件夹：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1133"/>
        <source>Before exporting, please add:</source>
        <translation>导出前请补充：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1143"/>
        <source>Export the visible label only</source>
        <translation>只导出可见标识</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1188"/>
        <source>&lt;h3&gt;aigclabel {0}&lt;/h3&gt;&lt;p&gt;Labels AI-generated images, audio, video and text per GB 45438-2025.&lt;/p&gt;&lt;p&gt;Licence: GPL-3.0-or-later.&lt;br&gt;PySide6 {1} (LGPL-3.0) · PyAV {2} with FFmpeg {3} (GPL build: x264/x265)&lt;br&gt;Font: Noto Sans SC, SIL Open Font License 1.1&lt;/p&gt;</source>
        <translation>&lt;h3&gt;aigclabel {0}&lt;/h3&gt;&lt;p&gt;按 GB 45438-2025 为人工智能生成的图片、音频、视频和文本添加标识。&lt;/p&gt;&lt;p&gt;许可证：GPL-3.0-or-later。&lt;br&gt;PySide6 {1}（LGPL-3.0）· PyAV {2}，内含 FFmpeg {3}（GPL 构建：x264/x265）&lt;br&gt;字体：Noto Sans SC，SIL Open Font License 1.1&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/main_window.py" line="1197"/>
        <source>About aigclabel</source>
        <translation>关于 aigclabel</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="49"/>
        <source>A component needed for this file type is not installed; see the details.</source>
        <translation>缺少处理此类文件所需的组件，请查看详细信息。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="52"/>
        <source>The file could not be read (permissions, or not a regular file).</source>
        <translation>无法读取该文件（权限不足，或不是普通文件）。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="55"/>
        <source>Labelling this file took too long and was stopped; the file may be damaged.</source>
        <translation>标识此文件耗时过长，已停止；文件可能已损坏。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="59"/>
        <source>This file needed too much memory and was stopped; the file may be damaged.</source>
        <translation>此文件占用内存过多，已停止；文件可能已损坏。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="66"/>
        <source>Cancelled before it was finished.</source>
        <translation>未完成即已取消。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="68"/>
        <source>Already labelled with these settings in this folder; left as it is.</source>
        <translation>此文件夹中已用相同设置标识过，保持不变。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="72"/>
        <source>A file with this name is already in the output folder; left as it is.</source>
        <translation>输出文件夹中已有同名文件，保持不变。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="76"/>
        <source>No producer code: enter the code of the AI service that generated this file.</source>
        <translation>没有生成方代码：请填写生成此文件的 AI 服务的代码。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="81"/>
        <source>The labelling process crashed on this file; try it again alone.</source>
        <translation>处理此文件时标识进程崩溃，请单独重试。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="85"/>
        <source>The output disk is full; free some space and try again.</source>
        <translation>输出磁盘已满，请腾出空间后重试。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="89"/>
        <source>The output folder cannot be written to; choose another folder.</source>
        <translation>无法写入输出文件夹，请选择其他文件夹。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="93"/>
        <source>An output would replace one of the input files; choose an output folder that is not an input folder.</source>
        <translation>输出文件会覆盖某个输入文件；请选择不是输入文件夹的输出文件夹。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="99"/>
        <source>The name template cannot be used for these files; change the template.</source>
        <translation>此命名模板不能用于这些文件；请修改模板。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="103"/>
        <source>The output would replace the original; choose another output folder.</source>
        <translation>输出会覆盖原文件，请选择其他输出文件夹。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="107"/>
        <source>This picture uses 16 bits per channel; save it as 8 bits and try again.</source>
        <translation>此图片每通道 16 位，请另存为 8 位后重试。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="114"/>
        <source>This file type is not supported.</source>
        <translation>不支持此文件类型。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="117"/>
        <source>The file is damaged; export it again from the original software.</source>
        <translation>文件已损坏，请从原软件重新导出。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="120"/>
        <source>The file is too large to open safely.</source>
        <translation>文件过大，无法安全打开。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="123"/>
        <source>A value of the metadata record is not allowed (codes use A–Z, 0–9).</source>
        <translation>元数据记录中有不允许的值（代码只用 A–Z、0–9）。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="126"/>
        <source>A setting is not allowed; check the settings and try again.</source>
        <translation>有一项设置不被允许，请检查设置后重试。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="129"/>
        <source>This format cannot hold a metadata record; nothing was written.</source>
        <translation>此格式无法保存元数据记录，未写入任何内容。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="132"/>
        <source>The labelled copy could not be saved in the output folder.</source>
        <translation>无法在输出文件夹中保存带标识的副本。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="135"/>
        <source>The labelled copy did not check out and was not kept.</source>
        <translation>带标识的副本未通过校验，已丢弃。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="142"/>
        <source>Skipped.</source>
        <translation>已跳过。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="143"/>
        <source>This file could not be labelled; see the details.</source>
        <translation>无法标识此文件，请查看详细信息。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="151"/>
        <source>damaged file</source>
        <translation>文件已损坏</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="153"/>
        <source>too large to open safely</source>
        <translation>文件过大，无法安全打开</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="154"/>
        <source>not a supported file type</source>
        <translation>不支持的文件类型</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="173"/>
        <source>space</source>
        <translation>空格</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="176"/>
        <source>GB 45438 Annex E: only letters, digits and ASCII signs; not allowed here: {0}</source>
        <translation>GB 45438 附录 E：只能使用英文字母、数字和 ASCII 符号；此处不允许：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="184"/>
        <source>A provider code has 27 characters; this one has {0}.</source>
        <translation>服务提供者代码为 27 位，此处为 {0} 位。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="188"/>
        <source>A provider code starts with 0011 and uses only digits and capital letters.</source>
        <translation>服务提供者代码以 0011 开头，只含数字和大写字母。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/messages.py" line="192"/>
        <source>The credit code inside (characters 5–22) has a wrong check character: a typing error?</source>
        <translation>其中的统一社会信用代码（第 5–22 位）校验位不对，是否输错了？</translation>
    </message>
</context>
<context>
    <name>SettingsPanel</name>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="142"/>
        <source>custom ({0})</source>
        <translation>自定义（{0}）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="182"/>
        <source>No AIGC record in the selected file: a first write.</source>
        <translation>所选文件没有 AIGC 记录：将首次写入。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="189"/>
        <source>Producer's record in this file (kept unchanged):</source>
        <translation>文件中已有的生成者记录（保持不变）：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="194"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="199"/>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="204"/>
        <source>Manage</source>
        <translation>管理</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="212"/>
        <source>Save current settings as…</source>
        <translation>将当前设置另存为…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="213"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="214"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="218"/>
        <source>Metadata only (no visible or audible label)</source>
        <translation>仅元数据（不加可见或可听标识）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="225"/>
        <source>Visible label (images, video)</source>
        <translation>可见标识（图片、视频）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="230"/>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="235"/>
        <source>Label language</source>
        <translation>标签语言</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="239"/>
        <source>top left</source>
        <translation>左上角</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="240"/>
        <source>top</source>
        <translation>顶部居中</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="241"/>
        <source>top right</source>
        <translation>右上角</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="242"/>
        <source>left</source>
        <translation>左侧居中</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="243"/>
        <source>centre</source>
        <translation>正中</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="244"/>
        <source>right</source>
        <translation>右侧居中</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="245"/>
        <source>bottom left</source>
        <translation>左下角</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="246"/>
        <source>bottom</source>
        <translation>底部居中</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="247"/>
        <source>bottom right</source>
        <translation>右下角</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="251"/>
        <source>auto (least busy corner, avoids faces)</source>
        <translation>自动（选最空的角落，避开人脸）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="252"/>
        <source>custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="256"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="264"/>
        <source>Text height</source>
        <translation>文字高度</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="275"/>
        <source>Text colour</source>
        <translation>文字颜色</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="276"/>
        <source>Plate colour</source>
        <translation>底板颜色</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="277"/>
        <source>Plate opacity</source>
        <translation>底板不透明度</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="281"/>
        <source>Audible label (audio)</source>
        <translation>音频标识（音频）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="284"/>
        <source>voice: “本内容由人工智能生成”</source>
        <translation>语音：“本内容由人工智能生成”</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="285"/>
        <source>rhythm: Morse “AI” (· – · ·)</source>
        <translation>节奏：摩尔斯码“AI”（· – · ·）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="286"/>
        <source>my own recording…</source>
        <translation>我自己的录音…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="288"/>
        <source>Prompt</source>
        <translation>提示音</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="291"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="307"/>
        <source>start</source>
        <translation>开头</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="292"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="308"/>
        <source>end</source>
        <translation>结尾</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="293"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="309"/>
        <source>start and end</source>
        <translation>开头和结尾</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="299"/>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="303"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="310"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="316"/>
        <source>Label cards</source>
        <translation>提示位置</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="322"/>
        <source>Card length</source>
        <translation>提示时长</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="323"/>
        <source>Keep a corner label for the whole video</source>
        <translation>整个视频持续显示角标</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="326"/>
        <source>Insert separate title cards</source>
        <translation>插入单独的提示画面</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="332"/>
        <source>Metadata label (AIGC record)</source>
        <translation>元数据标识（AIGC 记录）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="341"/>
        <source>Who are you?</source>
        <translation>您的身份</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="357"/>
        <source>This only sets sensible defaults; change it later in the Edit menu.</source>
        <translation>这只用于设置合适的默认值，之后可在“编辑”菜单中更改。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="365"/>
        <source>Write the AIGC metadata record</source>
        <translation>写入 AIGC 元数据记录</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="381"/>
        <source>The producer code belongs to the AI service that generated the content (its provider), not to you as a creator: copy it from the service's terms or from a file it made. Files that already carry a producer's record keep it, and need no code. See “Whose producer code?” in the README.</source>
        <translation>生成方代码属于生成该内容的 AI 服务（其服务提供者），而不是作为创作者的您：请从该服务的协议或它生成的文件中复制。已带有生成方记录的文件会保留原记录，无需填写代码。详见 README 中的“生成方代码是谁的？”。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="392"/>
        <source>1 — AI-generated</source>
        <translation>1 — 人工智能生成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="393"/>
        <source>2 — possibly AI-generated</source>
        <translation>2 — 可能为人工智能生成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="394"/>
        <source>3 — suspected AI-generated</source>
        <translation>3 — 疑似人工智能生成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="398"/>
        <source>Label</source>
        <translation>标识值</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="402"/>
        <source>Producer code</source>
        <translation>生成者编码</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="403"/>
        <source>Produce ID</source>
        <translation>内容编号（ProduceID）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="404"/>
        <source>Propagator code</source>
        <translation>传播者编码</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="405"/>
        <source>Propagate ID</source>
        <translation>传播编号（PropagateID）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="407"/>
        <source>AI service used</source>
        <translation>所用的 AI 服务</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="420"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="423"/>
        <source>empty: generated for each file</source>
        <translation>留空：为每个文件生成</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="554"/>
        <source>Required for files without a record: the code of the AI service.</source>
        <translation>没有记录的文件需要：AI 服务的代码。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="573"/>
        <source>✓ a valid 27-character provider code</source>
        <translation>✓ 有效的 27 位服务提供者代码</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="575"/>
        <source>Used as the service's registered name.</source>
        <translation>将作为该服务的登记名称使用。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="437"/>
        <source>empty: the producer (first write)</source>
        <translation>留空：与生成者相同（首次写入）</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="447"/>
        <source>Also write IPTC DigitalSourceType</source>
        <translation>同时写入 IPTC DigitalSourceType</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="449"/>
        <source>The international field read by Google, Meta and many asset managers</source>
        <translation>Google、Meta 及许多素材管理系统读取的国际通用字段</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="461"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="474"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="469"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="790"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="344"/>
        <source>Creator: you publish AI content made with someone's AI service. Service provider: you run the AI service or label your own output.</source>
        <translation>创作者：您发布使用他人 AI 服务生成的内容。服务提供者：您运营 AI 服务，或为自己生成的内容加标识。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="350"/>
        <source>Creator</source>
        <translation>创作者</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="351"/>
        <source>Service provider</source>
        <translation>服务提供者</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="371"/>
        <source>Visible label only: the copies get no machine-readable AIGC record, so platforms and checkers cannot read that they are AI-generated.</source>
        <translation>仅可见标识：副本中没有机器可读的 AIGC 记录，平台和检测工具无法读出它们由 AI 生成。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="425"/>
        <source>Build from a credit code…</source>
        <translation>由信用代码生成…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="428"/>
        <source>For service providers: build the 27-character provider code from your unified social credit code</source>
        <translation>供服务提供者使用：由您的统一社会信用代码生成 27 位服务提供者代码</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="435"/>
        <source>e.g. 001191440300708461136T1XGW3</source>
        <translation>例如 001191440300708461136T1XGW3</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="471"/>
        <source>default: a “labelled” folder beside the files</source>
        <translation>默认：文件旁的“已标识”文件夹</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="481"/>
        <source>File names</source>
        <translation>文件名</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="484"/>
        <source>rename the new file</source>
        <translation>重命名新文件</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="485"/>
        <source>skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="486"/>
        <source>overwrite</source>
        <translation>覆盖</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="490"/>
        <source>If the file exists</source>
        <translation>文件已存在时</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="531"/>
        <source>GB 45438 §5.2: the text height must be at least 5% of the shorter side.</source>
        <translation>GB 45438 §5.2：文字高度不得低于画面短边的 5%。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="540"/>
        <source>GB 45438 §5.4: the start prompt must be shown for at least 2 s.</source>
        <translation>GB 45438 §5.4：起始提示持续时间不得短于 2 秒。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="598"/>
        <source>Search: Doubao, 可灵, Kling…</source>
        <translation>搜索：豆包、可灵、即梦…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="606"/>
        <source>{en} ({zh})</source>
        <translation>{zh}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="656"/>
        <source>Producer code of {0} (seen in its files: {1}).</source>
        <translation>{0} 的生成者编码（见于其生成的文件：{1}）。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="662"/>
        <source>The code of {0} is not known: its name “{1}” is written instead. If the service gives you its 27-character code, type it here. Service: {2}</source>
        <translation>{0} 的编码未知：将写入其名称“{1}”。如果该服务向您提供了 27 位编码，请在此处填写。服务网址：{2}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="727"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="734"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="742"/>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="753"/>
        <source>Provider code</source>
        <translation>服务提供者编码</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="727"/>
        <source>Unified social credit code (18 characters):</source>
        <translation>统一社会信用代码（18 位）：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="736"/>
        <source>This is not a valid unified social credit code (wrong length, character or check character).</source>
        <translation>这不是有效的统一社会信用代码（长度、字符或校验位有误）。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="744"/>
        <source>Service extension (5 characters, e.g. 00000 or 1 + a 4-character model code):</source>
        <translation>服务扩展码（5 位，如 00000，或 1 加 4 位模型代码）：</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="763"/>
        <source>Your prompt recording</source>
        <translation>您的提示音录音</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/settings_panel.py" line="765"/>
        <source>Audio (*.wav *.mp3 *.flac *.m4a *.ogg *.opus)</source>
        <translation>音频 (*.wav *.mp3 *.flac *.m4a *.ogg *.opus)</translation>
    </message>
</context>
<context>
    <name>VideoPreview</name>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="249"/>
        <source>Start card</source>
        <translation>片头提示</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="251"/>
        <source>End card</source>
        <translation>片尾提示</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="253"/>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="426"/>
        <source>▶ Play labelled clip</source>
        <translation>▶ 播放加标识后的视频</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="271"/>
        <source>Cannot play: {0}</source>
        <translation>无法播放：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="295"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="323"/>
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="325"/>
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="328"/>
        <source>Export: about {0} of work here ({1} frames encoded; the clip has {2}).</source>
        <translation>导出：在本机约需 {0}（编码 {1} 帧，原片共 {2} 帧）。</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="372"/>
        <source>label shown</source>
        <translation>显示标签</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="372"/>
        <source>no label at this time</source>
        <translation>此时无标签</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="392"/>
        <source>No preview: {0}</source>
        <translation>无法预览：{0}</translation>
    </message>
    <message>
        <location filename="../../aigclabel_gui/ui/media_preview.py" line="426"/>
        <source>■ Stop</source>
        <translation>■ 停止</translation>
    </message>
</context>
</TS>