"""Chinese translations added in wave 2 (GUI usability): fills lupdate's "unfinished" entries.

.venv/bin/python packaging/zh_new_strings.py   (after update_translations.sh's lupdate step)
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

TS = Path(__file__).resolve().parent.parent / "resources" / "i18n" / "aigclabel_zh_CN.ts"

ZH = {
    "File": "文件",
    "Problem": "问题",
    "Details ▸": "详细信息 ▸",
    "Details ▾": "详细信息 ▾",
    "Retry failed": "重试失败的文件",
    "Labelling: {0}": "正在标识：{0}",
    "estimating…": "正在估算剩余时间…",
    "about {0} left": "约剩 {0}",
    "{0} of {1} files · {2}": "第 {0} / {1} 个文件 · {2}",
    "Output folder: {0}": "输出文件夹：{0}",
    "{0} files were not exported (file type not supported): {1}": "{0} 个文件未导出（不支持的文件类型）：{1}",
    "All files": "全部文件",
    "Not yet exported": "尚未导出",
    "Failed": "失败",
    "Done": "已完成",
    "Show": "显示",
    "Files": "文件列表",
    "Output folder": "输出文件夹",
    "◀ Previous": "◀ 上一个",
    "Next ▶": "下一个 ▶",
    "100 %": "100 %",
    "Show the picture at 100 % around the label (or fit)": "以 100% 显示标识周围的画面（或适应窗口）",
    "Settings": "设置",
    "Clear": "清空",
    "An export is running. Stop it and clear the list?": "正在导出。要停止导出并清空列表吗？",
    "Stop and clear": "停止并清空",
    "files to label": "要标识的文件",
    "something to write: a visible label or the metadata record": "要写入的内容：可见标识或元数据记录",
    "the producer code ({0} files have no record yet)": "生成方代码（{0} 个文件还没有记录）",
    "a valid producer code: {0}": "有效的生成方代码：{0}",
    "Still needed: {0}": "还需要：{0}",
    "Ready: {0} files": "可以导出：{0} 个文件",
    "Fit": "适应窗口",
    "Move the label in all files": "移动所有文件的标识",
    "{0} files have their own label position. Replace them all?": "{0} 个文件有各自的标识位置。全部替换吗？",
    "Replace all": "全部替换",
    "a custom place": "自定义位置",
    "Quit": "退出",
    "An export is running. Stop it and quit? Files in progress are not kept.": "正在导出。要停止并退出吗？正在处理的文件不会保留。",
    "Stop and quit": "停止并退出",
    "Before exporting, please add:": "导出前请补充：",
    "Export the visible label only": "只导出可见标识",
    "Cancelled before it was finished.": "未完成即已取消。",
    "Already labelled with these settings in this folder; left as it is.": "此文件夹中已用相同设置标识过，保持不变。",
    "A file with this name is already in the output folder; left as it is.": "输出文件夹中已有同名文件，保持不变。",
    "No producer code: enter the code of the AI service that generated this file.": "没有生成方代码：请填写生成此文件的 AI 服务的代码。",
    "The labelling process crashed on this file; try it again alone.": "处理此文件时标识进程崩溃，请单独重试。",
    "The output disk is full; free some space and try again.": "输出磁盘已满，请腾出空间后重试。",
    "The output folder cannot be written to; choose another folder.": "无法写入输出文件夹，请选择其他文件夹。",
    "The output would replace the original; choose another output folder.": "输出会覆盖原文件，请选择其他输出文件夹。",
    "This picture uses 16 bits per channel; save it as 8 bits and try again.": "此图片每通道 16 位，请另存为 8 位后重试。",
    "This file type is not supported.": "不支持此文件类型。",
    "The file is damaged; export it again from the original software.": "文件已损坏，请从原软件重新导出。",
    "The file is too large to open safely.": "文件过大，无法安全打开。",
    "A value of the metadata record is not allowed (codes use A–Z, 0–9).": "元数据记录中有不允许的值（代码只用 A–Z、0–9）。",
    "A setting is not allowed; check the settings and try again.": "有一项设置不被允许，请检查设置后重试。",
    "This format cannot hold a metadata record; nothing was written.": "此格式无法保存元数据记录，未写入任何内容。",
    "The labelled copy could not be saved in the output folder.": "无法在输出文件夹中保存带标识的副本。",
    "The labelled copy did not check out and was not kept.": "带标识的副本未通过校验，已丢弃。",
    "Skipped.": "已跳过。",
    "This file could not be labelled; see the details.": "无法标识此文件，请查看详细信息。",
    "damaged file": "文件已损坏",
    "too large to open safely": "文件过大，无法安全打开",
    "not a supported file type": "不支持的文件类型",
    "space": "空格",
    "GB 45438 Annex E: only letters, digits and ASCII signs; not allowed here: {0}": "GB 45438 附录 E：只能使用英文字母、数字和 ASCII 符号；此处不允许：{0}",
    "A provider code has 27 characters; this one has {0}.": "服务提供者代码为 27 位，此处为 {0} 位。",
    "A provider code starts with 0011 and uses only digits and capital letters.": "服务提供者代码以 0011 开头，只含数字和大写字母。",
    "The credit code inside (characters 5–22) has a wrong check character: a typing error?": "其中的统一社会信用代码（第 5–22 位）校验位不对，是否输错了？",
    "Write the AIGC metadata record": "写入 AIGC 元数据记录",
    "Visible label only: the copies get no machine-readable AIGC record, so platforms and checkers cannot read that they are AI-generated.": "仅可见标识：副本中没有机器可读的 AIGC 记录，平台和检测工具无法读出它们由 AI 生成。",
    "The producer code belongs to the AI service that generated the content (its provider), not to you as a creator: copy it from the service's terms or from a file it made. Files that already carry a producer's record keep it, and need no code. See “Whose producer code?” in the README.": "生成方代码属于生成该内容的 AI 服务（其服务提供者），而不是作为创作者的您：请从该服务的协议或它生成的文件中复制。已带有生成方记录的文件会保留原记录，无需填写代码。详见 README 中的“生成方代码是谁的？”。",
    "Required for files without a record: the code of the AI service.": "没有记录的文件需要：AI 服务的代码。",
    "✓ a valid 27-character provider code": "✓ 有效的 27 位服务提供者代码",
    "Used as the service's registered name.": "将作为该服务的登记名称使用。",
    "Build from a credit code…": "由信用代码生成…",
    "For service providers: build the 27-character provider code from your unified social credit code": "供服务提供者使用：由您的统一社会信用代码生成 27 位服务提供者代码",
    "e.g. 001191440300708461136T1XGW3": "例如 001191440300708461136T1XGW3",
    "default: a “labelled” folder beside the files": "默认：文件旁的“已标识”文件夹",
    "Who are you?": "您的身份",
    "This only sets sensible defaults; change it later in the Edit menu.": "这只用于设置合适的默认值，之后可在“编辑”菜单中更改。",
    "Creator or service provider…": "创作者还是服务提供者…",
    "Creator": "创作者",
    "Service provider": "服务提供者",
    "Creator: you publish AI content made with someone's AI service. Service provider: you run the AI service or label your own output.": "创作者：您发布使用他人 AI 服务生成的内容。服务提供者：您运营 AI 服务，或为自己生成的内容加标识。",
    "AIGC record ✓ (with notes)": "有 AIGC 记录 ✓（附说明）",
    "These files would get no visible or audible label, which GB 45438 §5 asks for:\n\n{0}\n\n"
    "Measures Art. 9: unlabelled copies may be handed out only at the user's own request, and the "
    "labelling duty stays with whoever publishes them. Your choice is written into the report. "
    "Export without the label?": "这些文件将没有可见或可听的标识，而 GB 45438 第 5 章要求添加：\n\n{0}\n\n"
    "《标识办法》第九条：仅在用户本人要求时才可提供未加显式标识的内容，标识义务由发布者承担。"
    "您的选择会写入报告。仍然不加标识导出吗？",
    "No explicit label": "无显式标识",
    "Export without it": "不加标识导出",
    'The label text “{0}” lacks the "AI" and "generated/synthesised" elements GB 45438 '
    "§5.2/§5.4 ask for (the default is AI生成). Draw it anyway? The report will say it was "
    "forced.": "标识文字“{0}”缺少 GB 45438 第 5.2/5.4 条要求的“人工智能”与“生成/合成”要素"
    "（默认为 AI生成）。仍然使用吗？报告中会注明为强制使用。",
    "Label text": "标识文字",
    "Draw it anyway": "仍然使用",
    "A component needed for this file type is not installed; see the details.": "缺少处理此类文件所需的组件，请查看详细信息。",
    "The file could not be read (permissions, or not a regular file).": "无法读取该文件（权限不足，或不是普通文件）。",
    "Labelling this file took too long and was stopped; the file may be damaged.": "标识此文件耗时过长，已停止；文件可能已损坏。",
    "This file needed too much memory and was stopped; the file may be damaged.": "此文件占用内存过多，已停止；文件可能已损坏。",
    "pictures: no visible text label (GB 45438 §5.2)": "图片：没有可见的文字标识（GB 45438 第 5.2 条）",
    "videos: no text prompt from the first frame (GB 45438 §5.4)": "视频：开头画面没有文字提示（GB 45438 第 5.4 条）",
    "audio: no voice or rhythm prompt (GB 45438 §5.3)": "音频：没有语音或节奏提示（GB 45438 第 5.3 条）",
    "documents: no text prompt (GB 45438 §5.1)": "文档：没有文字提示（GB 45438 第 5.1 条）",
    # wave 3: readable report, per-file positions, AI service list
    "Labelling report": "标识报告",
    "labelled": "已标识",
    "not started": "未开始",
    "Status": "状态",
    "Reason": "原因",
    "Labelled copy": "已标识的副本",
    "Finished {0} · aigclabel {1}": "完成于 {0} · aigclabel {1}",
    "Not exported (file type not supported): {0}": "未导出（不支持的文件类型）：{0}",
    "This file has its own label position.": "此文件有单独的标识位置。",
    "Apply this label position to selected files": "将此标识位置应用到所选文件",
    "Reset label position of selected files": "重置所选文件的标识位置",
    "Apply to selected": "应用到所选文件",
    "Reset position": "重置位置",
    "Label position reset for {0} files": "已重置 {0} 个文件的标识位置",
    "Move the label in the selected files": "移动所选文件中的标识",
    "{0} of the selected files have their own label position. Replace them?": "所选文件中有 {0} 个有单独的标识位置。要替换它们吗？",
    "Replace": "替换",
    "Label moved to {0} in {1} files": "已将 {1} 个文件的标识移到{0}",
    "AI service used": "所用的 AI 服务",
    "{0}: {1}": "{0}：{1}",
    "Search: Doubao, 可灵, Kling…": "搜索：豆包、可灵、即梦…",
    "{en} ({zh})": "{zh}",
    "Producer code of {0} (seen in its files: {1}).": "{0} 的生成者编码（见于其生成的文件：{1}）。",
    "The code of {0} is not known: its name “{1}” is written instead. If the service gives you its 27-character code, type it here. Service: {2}": "{0} 的编码未知：将写入其名称“{1}”。如果该服务向您提供了 27 位编码，请在此处填写。服务网址：{2}",
    # Check tab: the clause behind each verdict
    "GB 45438 §6.1, Annex E": "GB 45438 第6.1条、附录E",
    "GB 45438 §6.1 a, Annex E note 1 and j); TC260 image guide annex": "GB 45438 第6.1条 a)、附录E 注1和 j)；TC260 图片标识指南附录",
    "GB 45438 §6.1 a–c, Annex E": "GB 45438 第6.1条 a)–c)、附录E",
    "GB 45438 §6.1; Measures Art. 5 (metadata label for every generated file)": "GB 45438 第6.1条；《办法》第五条（每个生成文件都须有元数据标识）",
    "GB 45438 §5 (explicit label); no TC260 guide names a carrier for this format": "GB 45438 第5章（显式标识）；TC260 指南未规定此格式的元数据载体",
    # text documents: what the export adds (TextPlan)
    "Metadata only: no prompt is added to this document.": "仅元数据：不会在此文档中加入提示文字。",
    "This document type gets the metadata record only, no prompt.": "此类文档只写入元数据标识，不加提示文字。",
    "a line": "单独一行",
    "a quote": "引用块",
    "a paragraph": "段落",
    "text on the page": "页面上的文字",
    "the sheet header": "工作表页眉",
    "a text box on the slide": "幻灯片上的文本框",
    "at the start": "开头",
    "at the end": "结尾",
    "at the start and at the end": "开头和结尾",
    "The export adds the prompt “{0}” {1}, as {2}.": "导出时将在{1}以{2}的形式加入提示“{0}”。",
    # video: the export's work estimate
    "{0} min": "{0} 分钟",
    "{0} s": "{0} 秒",
    "Export: about {0} of work here ({1} frames encoded; the clip has {2}).": "导出：在本机约需 {0}（编码 {1} 帧，原片共 {2} 帧）。",
    ", ": "，",  # list separator (Check summary, running files)
    "The export did not start: {0}": "导出未开始：{0}",
    "An output would replace one of the input files; choose an output folder that is not an input folder.": "输出文件会覆盖某个输入文件；请选择不是输入文件夹的输出文件夹。",
    "The name template cannot be used for these files; change the template.": "此命名模板不能用于这些文件；请修改模板。",
}


def main() -> None:
    tree = etree.parse(str(TS))
    missing = []
    for m in tree.iter("message"):
        tr = m.find("translation")
        if tr.get("type") == "unfinished" or not tr.text:
            src = m.findtext("source")
            if src in ZH:
                tr.text = ZH[src]
                tr.attrib.pop("type", None)
            else:
                missing.append(src)
    tree.write(str(TS), encoding="utf-8", xml_declaration=True)
    if missing:
        raise SystemExit("no translation for: " + repr(missing))


if __name__ == "__main__":
    main()
