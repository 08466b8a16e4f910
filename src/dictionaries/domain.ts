import { dictionary } from './dictionary';

export const talkKind = dictionary('活动类型', { lecture: '健康讲座', screening: '筛查', checkup: '体检', youth: '青春健康', other: '其他' });
export const talkStatus = dictionary('活动状态', { draft: '草稿', published: '报名中', closed: '已截止报名', cancelled: '已取消', finished: '已结束' });
/** Who is on a talk's roster: a confirmed or waitlisted registration, or a walk-in recorded at the door. */
export const rosterStatus = dictionary('到场名单状态', { confirmed: '已确认', waitlisted: '候补', walk_in: '现场登记' });

export const referralStatus = dictionary('唇腭裂救助进度', {
  submitted: '已提交',
  reviewing: '审核中',
  referred: '已转介',
  surgery_scheduled: '已安排手术',
  completed: '已完成',
  not_eligible: '不符合条件',
  withdrawn: '已撤回',
});
export const referralCondition = dictionary('唇腭裂情况', {
  cleft_lip: '唇裂（嘴唇裂开）',
  cleft_palate: '腭裂（上腭裂开）',
  cleft_lip_palate: '唇腭裂（唇裂和腭裂都有）',
  unsure: '不确定，请医生看',
});
export const householdSituation = dictionary('家庭困难情况', {
  dibao: '低保户',
  tekun: '特困供养',
  jisheng_special: '计生特殊家庭',
  disabled_member: '家里有残疾人',
  other: '其他困难',
  none: '无',
});
export const guardianRelation = dictionary('与孩子的关系', { 父亲: '父亲', 母亲: '母亲', 祖父母: '祖父母', 外祖父母: '外祖父母', 其他监护人: '其他监护人' });

export const enrolmentStatus = dictionary('投保状态', {
  submitted: '已提交',
  verified: '已审核',
  paid: '已缴费',
  issued: '已出单',
  rejected: '未通过',
  cancelled: '已取消',
});
export const paymentMethod = dictionary('缴费方式', { cash: '现金', bank_transfer: '银行转账', wechat_offline: '微信线下', other: '其他' });
export const insuredRelation = dictionary('与投保人的关系', { 本人: '本人', 配偶: '配偶', 子女: '子女', 父母: '父母', 其他家庭成员: '其他家庭成员' });

export const campaignStatus = dictionary('宣传活动状态', {
  draft: '草稿',
  pending_review: '待审核',
  approved: '已通过，待发送',
  active: '进行中',
  finished: '已发送',
  cancelled: '已取消',
});
export const campaignKind = dictionary('群消息类型', { campaign: '宣传活动', broadcast: '群广播', daily_tips: '每日健康提示' });
/** A message's way through the outbox. */
export const deliveryStatus = dictionary('发送状态', { pending: '待发送', sent: '已发送', dead: '发送失败', cancelled: '已取消' });

export const careFamilyType = dictionary('关怀家庭类型', {
  shidu: '计生特殊家庭（失独）',
  shangcan: '计生特殊家庭（伤残）',
  liushou_elder: '留守老人',
  liushou_child: '留守儿童',
  kunnan: '困难家庭',
});
export const careFamilyStatus = dictionary('关怀家庭状态', { active: '关怀中', closed: '已移出', withdrawn: '已撤回同意' });
export const careHelpKind = dictionary('求助类型', {
  medical: '看病就医',
  financial: '经济困难',
  daily_care: '生活照料',
  psychological: '心理慰藉',
  other: '其他',
});
export const careHelpStatus = dictionary('求助状态', { open: '待处理', in_progress: '处理中', resolved: '已解决', declined: '未能帮助' });

export const selectionKind = dictionary('评选类型', {
  happy_family: '幸福家庭',
  health_star: '健康之星',
  good_inlaws: '好婆婆好媳妇',
  good_neighbor: '好邻居',
});
export const selectionStatus = dictionary('评选状态', {
  draft: '草稿',
  nominating: '推荐中',
  reviewing: '审核中',
  voting: '投票中',
  closed: '投票结束',
  published: '已公布',
});
export const nominationStatus = dictionary('推荐状态', { pending: '待审核', approved: '已通过', rejected: '未通过', merged: '已合并' });
/** How staff recorded a person's consent (to a nomination, to joining the care roster). */
export const consentMethod = dictionary('同意方式', { signed_form: '签署了同意书', in_person: '当面口头同意' });
export const voteFlag = dictionary('可疑投票', { new_account: '投票开始后新注册', burst: '连续快速投票' });

export const caseStatus = dictionary('典型案例状态', { pending: '待审核', approved: '已通过', rejected: '已退回' });
export const reportSubmissionStatus = dictionary('年度报告报送状态', { not_generated: '未生成', generated: '已生成', submitted: '已报送' });

export const staffRole = dictionary('人员角色', { district_admin: '区级管理员', town_admin: '镇街管理员', village_worker: '村居工作人员', expert: '咨询专家' });

export const consultTopic = dictionary('咨询主题', {
  preconception: '孕前优生',
  pregnancy: '孕产期',
  infant_care: '婴幼儿照护',
  reproductive: '生殖健康',
  adolescence: '青春期',
  chronic: '慢病与生活方式',
});
/** Where a question stands: held for the content check, refused by it, waiting for an expert, answered. */
export const consultStatus = dictionary('咨询状态', {
  checking: '内容审核中',
  refused: '未通过审核',
  open: '待专家回复',
  answered: '专家已回复',
  follow_up: '追问待回复',
  closed: '已结束',
});
export const requestKind = dictionary('诉求类型', {
  family_rights: '计生家庭权益',
  neighbour_dispute: '邻里纠纷',
  hardship: '生活困难帮扶',
  suggestion: '意见建议',
});
export const requestStatus = dictionary('诉求进度', {
  submitted: '已提交，待村居受理',
  in_progress: '村居处理中',
  escalated: '已转镇街处理',
  replied: '已答复',
  closed: '已办结',
  reopened: '不满意，重新办理',
});

/** Every subscribe-message kind the platform sends (`src/notify/notice-kinds.ts` says which flow asks for each). */
export const noticeKind = dictionary('订阅消息', {
  talk_reminder: '活动提醒（前一天）',
  talk_start: '活动即将开始',
  talk_status: '报名结果和活动变动',
  referral_status: '唇腭裂救助办理进度',
  insurance_status: '保险登记审核结果',
  insurance_renewal: '保险到期续保提醒',
  consult_answered: '咨询已有专家回复',
  request_status: '诉求办理进度',
  screening_result: '检查结果已出',
});

export const botState = dictionary('群机器人状态', {
  stopped: '未运行',
  starting: '正在启动',
  waiting_scan: '等待扫码登录',
  logged_in: '在线',
  logged_out: '已退出登录',
  reconnecting: '正在重连',
  error: '出错',
});

/** Who made a change: a staff member, a resident, or the service itself (audit records, case histories). */
export const actorType = dictionary('操作人类型', { staff: '工作人员', resident: '居民', system: '系统' });
/** Where a quiz contest stands for a resident. */
export const contestState = dictionary('答题竞赛进度', { upcoming: '未开始', open: '进行中', ended: '已结束' });
/** Why a bound group needs a staff member's look (the bot found it ambiguous, was removed, or cannot find it). */
export const roomAttention = dictionary('微信群异常', {
  ambiguous_topic: '有两个同名群，请核对后重新绑定',
  bot_removed: '机器人已被移出群',
  missing: '找不到这个群',
});

/** Topics of the health-content library (an article carries one or more). */
export const contentTopic = dictionary('健康知识主题', {
  hl66: '健康素养66条',
  sjsj: '三减四健',
  yysy: '优生优育',
  lafz: '两癌防治',
  qcjk: '青春健康',
  laws: '法律法规',
  diet: '合理膳食',
  exercise: '适量运动',
  mental: '心理健康',
  injury: '意外伤害预防',
  disease: '疾病防治',
});
/** What an article is: text with pictures, an audio piece, or a 视频号 video. */
export const contentKind = dictionary('健康知识形式', { article: '图文', audio: '音频', video: '视频号视频' });
/** An article as residents see it: published, or taken down. */
export const articleStatus = dictionary('健康知识状态', { published: '已发布', retired: '已下架' });
/** One version of an article on its way from draft to published. */
export const articleVersionStatus = dictionary('健康知识版本状态', {
  draft: '草稿',
  pending_review: '待审核',
  published: '已发布',
  superseded: '已被新版本替换',
});

/** What a screening or check-up looks for; the result codes and advice of each are configurable. */
export const screeningProgramme = dictionary('筛查项目', { cervical: '宫颈癌筛查', breast: '乳腺癌筛查', checkup: '育龄群众查体' });
export const screeningLevel = dictionary('检查结果', { normal: '未见异常', review: '需要复查', abnormal: '异常' });
/** The separate consent to keep a screening's result in the system; without it the result stays on paper. */
export const screeningConsent = dictionary('检查结果录入同意', { given: '已同意录入', withdrawn: '已撤回，仅纸质', none: '未同意，仅纸质' });
export const screeningCaseStatus = dictionary('随访进度', {
  open: '待联系',
  contacted: '已联系',
  referred: '已转诊',
  attended: '已就诊',
  diagnosed: '已明确诊断',
  closed: '已结案',
  lost: '失访',
  withdrawn: '已撤回同意',
});
export const screeningLostReason = dictionary('失访原因', {
  unreachable: '多次联系不上',
  moved_away: '已外出或搬走',
  refused: '本人不愿继续随访',
  treated_elsewhere: '已在别处治疗',
  died: '已去世',
  other: '其他原因',
});
/** How a follow-up or counselling contact was made. */
export const screeningContactKind = dictionary('联系方式', { phone: '电话', home_visit: '上门', clinic: '在卫生室/门诊', wechat: '微信' });
/** What a counselling or follow-up contact was about: chosen, never typed, so lists carry no diagnosis. */
export const screeningTopic = dictionary('随访咨询内容', {
  result_followup: '检查结果随访',
  referral: '转诊就医',
  fertility_guidance: '生育调节指导',
  contraception: '避孕节育咨询',
  pregnancy_prep: '孕前优生咨询',
  menopause: '更年期保健',
  other: '其他咨询',
});
export const screeningNextStep = dictionary('下一步', {
  none: '无需再联系',
  call_again: '再次电话联系',
  revisit: '再次上门',
  recheck: '到医院复查',
  refer: '转诊',
});

/** The plan's six main tasks, under which the district's task book groups its tasks. */
export const taskGroup = dictionary('主要任务', {
  publicity: '健康宣传引导',
  projects: '项目带动',
  science: '科学健康新风尚',
  creation: '活动创建',
  care: '生育关怀',
  poverty: '健康扶贫',
});
export const taskbookStatus = dictionary('任务书状态', { draft: '草稿', published: '已下达' });
/** A task measured by a platform figure, or by what the town hands in. */
export const taskKind = dictionary('任务类型', { figure: '平台数据考核', evidence: '材料佐证' });
export const taskProgress = dictionary('任务进度', {
  not_started: '未开始',
  on_track: '进度正常',
  behind: '进度落后',
  done: '已完成',
  submitted: '待验收',
  returned: '已退回',
});
export const townPlanStatus = dictionary('镇街实施计划状态', { draft: '草稿', submitted: '待审核', approved: '已通过', returned: '已退回' });
export const evidenceStatus = dictionary('佐证材料状态', { submitted: '待验收', accepted: '已验收', returned: '已退回' });
export const rectificationStatus = dictionary('整改状态', { open: '待整改', answered: '已反馈，待验收', returned: '已退回重改', closed: '已销号' });
/**
 * Figures of the yearly report's area rows a task may take as its target (`section.field`); a figure a module adds
 * later is offered under its field name until it is given a label here.
 */
export const figureMetric = dictionary('考核指标', {
  'residents.registered': '登记居民（人）',
  'residents.consented': '同意隐私条款居民（人）',
  'quiz.participants': '知识竞赛参与（人）',
  'quiz.participation': '知识竞赛参与率',
  'quiz.submissions': '知识竞赛答卷（份）',
  'quiz.averageScore': '知识竞赛平均分',
  'literacy.latest.n': '健康素养测评样本量（人）',
  'literacy.latest.p': '健康素养水平',
  'talks.held': '举办讲座、筛查等活动（场）',
  'talks.signUps': '活动报名（人次）',
  'talks.attended': '活动签到（人次）',
  'talks.noShowRate': '活动未到率',
  'talks.feedbackCount': '活动评价（条）',
  'referrals.total': '唇腭裂救助申请（例）',
  'referrals.referredCount': '唇腭裂救助已转介（例）',
  'insurance.total': '家庭意外保险登记（户）',
  'insurance.insuredPersons': '家庭意外保险参保（人）',
  'groups.sent': '村群宣传消息已发送（条）',
  'groups.boundGroups': '绑定村群（个）',
  'consult.asked': '优生优育咨询提问（条）',
  'consult.answered': '优生优育咨询已回复（条）',
  'consult.onTimeRate': '优生优育咨询按时回复率',
  'consult.averageRating': '优生优育咨询平均评分',
  'requests.total': '群众诉求（件）',
  'requests.escalated': '群众诉求升级到镇街（件）',
  'requests.averageRating': '群众诉求平均评分',
  'screenings.cervical.screened': '宫颈癌筛查到场检查（人）',
  'screenings.breast.screened': '乳腺癌筛查到场检查（人）',
  'screenings.checkup.screened': '育龄群众查体到场检查（人）',
  'screenings.cervical.referred': '宫颈癌筛查转诊（人）',
  'screenings.breast.referred': '乳腺癌筛查转诊（人）',
});
